"""Sign-in and password-link limits, counted per account (the email typed) and per address.

A school, or a whole cohort behind one proxy, shares an address, so the per-address limits are
generous; the per-account limits stop guessing at one account from anywhere. A sign-in counts only
when it fails, so signing in never uses up anyone's budget. An email with no account is limited
exactly like one with an account, so a 429 reveals nothing about who has one.
"""

from collections.abc import Callable

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from ..extensions import limiter

SIGN_IN_FAILED = "sign_in_failed"
PASSWORD_LINK_REQUESTED = "password_link_requested"


def count(event: str) -> None:
    """Count this request against the limits on `event` (they were checked before the view ran,
    so a request over them never gets this far)."""
    setattr(g, event, True)


def per_account_and_address(event: str, account_setting: str, address_setting: str):
    """Limit a view's POSTs on the counted `event`, per email typed and per address."""

    def decorate(view: Callable) -> Callable:
        for setting, key in ((account_setting, _email_key), (address_setting, _address_key)):
            view = limiter.limit(_setting(setting), key_func=key, methods=["POST"],
                                 deduct_when=lambda _response: g.get(event, False))(view)
        return view

    return decorate


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _email_key() -> str:
    # Normalised as stored, so "Sam@Example.org" and "sam@example.org" share one budget.
    return "email:" + request.form.get("email", "").strip().lower()[:254]


def _address_key() -> str:
    return "address:" + get_remote_address()
