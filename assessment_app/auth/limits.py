"""Sign-in and password-link limits, counted so that nobody can lock someone else out.

A guesser is stopped by what they cannot spread: failures for one account from one address
(the pair), and failures from one address across every account. Neither touches the account's
owner at another address, so ten wrong passwords typed for a participant's email on deadline
night do not keep the participant out. A guesser spreading over many addresses meets a limit
on the account itself, in which each address counts once an hour (so one address cannot reach
it), and which a browser that has signed in to that account before skips (a "known device", as
identity services keep one: a signed cookie set at sign-in), so the owner's own browser is never
refused by it.

A school, or a whole cohort behind one proxy, shares an address, so the per-address limits are
generous. A sign-in counts only when it fails, so signing in never uses up anyone's budget. An
email with no account is limited exactly like one with an account, so a 429 reveals nothing
about who has one. Password links are limited the same three ways, and an account is sent no
more than a few links an hour however they are asked for (accounts.request_reset sends nothing
new then, and says the same either way).
"""

from collections.abc import Callable
from datetime import timedelta

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import limiter
from ..session_cookie import after_session_cookie

SIGN_IN_FAILED = "sign_in_failed"
PASSWORD_LINK_REQUESTED = "password_link_requested"
KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_LIFETIME = timedelta(days=180)


def count(event: str) -> None:
    """Count this request against the limits on `event` (they were checked before the view ran,
    so a request over them never gets this far)."""
    setattr(g, event, True)


def limited(event: str, *, pair: str, address: str, account: str | None = None):
    """Limit a view's POSTs on the counted `event`: per email typed from one address (`pair`),
    per address (`address`) and, where given, per email from browsers not known to it
    (`account`); each names a setting."""
    counted = lambda _response: g.get(event, False)
    limits = [(pair, _pair_key, None, counted), (address, _address_key, None, counted)]
    if account is not None:
        # Each address counts once an hour here, however often it fails (its own pair limit
        # stops it): one address can never use up the account's budget, many can.
        limits.append((account, _email_key, _known_device,
                       lambda response: counted(response) and _first_of_pair(event)))

    def decorate(view: Callable) -> Callable:
        for setting, key, exempt, deduct in limits:
            view = limiter.limit(_setting(setting), key_func=key, methods=["POST"],
                                 exempt_when=exempt, deduct_when=deduct)(view)
        return view

    return decorate


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _typed_email() -> str:
    # Normalised as stored, so "Sam@Example.org" and "sam@example.org" share one budget.
    return request.form.get("email", "").strip().lower()[:254]


def _email_key() -> str:
    return "email:" + _typed_email()


def _pair_key() -> str:
    return f"pair:{get_remote_address()}:{_typed_email()}"


def _address_key() -> str:
    return "address:" + get_remote_address()


def _first_of_pair(event: str) -> bool:
    """Whether this is the first counted `event` for this email from this address within the
    hour (counted in the limits' own store; if it cannot answer, yes, so the account is still
    limited)."""
    key = f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}first:{event}:{_pair_key()}"
    try:
        return limiter.limiter.storage.incr(key, int(timedelta(hours=1).total_seconds())) == 1
    except Exception:  # noqa: BLE001  a store that stopped answering: count it
        return True


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def remember_device(email: str) -> None:
    """After a sign-in: this browser is known to the account (for the account-wide limit)."""
    after_session_cookie(lambda response: response.set_cookie(
        KNOWN_DEVICE_COOKIE, _device_signer().dumps(email.strip().lower()),
        max_age=int(KNOWN_DEVICE_LIFETIME.total_seconds()), httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure))


def _known_device() -> bool:
    cookie = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if not cookie:
        return False
    try:
        email = _device_signer().loads(cookie,
                                       max_age=int(KNOWN_DEVICE_LIFETIME.total_seconds()))
    except BadSignature:
        return False
    return email == _typed_email()
