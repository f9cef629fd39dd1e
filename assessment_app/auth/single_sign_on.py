"""Signing in with the provider's identity service (OpenID Connect, authorization code flow
with PKCE, state and nonce, all checked by Authlib; the account matched by
services/single_sign_on.py)."""

from authlib.common.errors import AuthlibBaseError
from flask import abort, render_template, request, url_for
from joserfc.errors import JoseError
from requests import RequestException

from ..extensions import db
from ..services import audit
from ..services.single_sign_on import REFUSED, account_for
from . import identity_service
from .blueprint import bp
from .signing_in import sign_in

ID_TOKEN = "sso_id_token"  # kept in the session for the provider's sign-out (id_token_hint)
# What a sign-in that cannot be checked raises: the protocol's errors, the token's, the network's.
CHECK_FAILED = (AuthlibBaseError, JoseError, RequestException, ValueError)
NOT_CHECKED = ("We could not check your sign-in with your organisation's account. "
               "Try again, or sign in with your password.")


@bp.get("/login/sso")
def sso_start():
    if not identity_service.enabled():
        abort(404)
    try:
        identity_service.metadata()
        return identity_service.client().authorize_redirect(
            url_for("auth.sso_callback", _external=True))
    except CHECK_FAILED:
        return _refused(NOT_CHECKED, "identity service unreachable")


@bp.get("/login/sso/callback")
def sso_callback():
    if not identity_service.enabled():
        abort(404)
    try:
        identity_service.metadata()
        # Checks the state against this browser's session (and spends it, so the same answer
        # replayed is refused), swaps the code with the PKCE verifier, and checks the ID
        # token's signature, issuer, audience, expiry and nonce.
        token = identity_service.client().authorize_access_token(
            claims_options=identity_service.claims_options())
    except CHECK_FAILED as problem:
        return _refused(NOT_CHECKED, f"token refused: {type(problem).__name__}")
    claims = token.get("userinfo")
    if not claims:  # no ID token came back, so nothing above was checked
        return _refused(NOT_CHECKED, "no ID token")
    user, failure = account_for(identity_service.issuer(), dict(claims))
    if failure:
        return _refused(REFUSED[failure], failure, email=claims.get("email"))
    return sign_in(user, "single sign-on", None, **{ID_TOKEN: token["id_token"]})


def provider_sign_out(id_token: str):
    """A redirect to the identity service's end_session_endpoint, or None if it has none."""
    try:
        endpoint = identity_service.metadata().get("end_session_endpoint")
    except CHECK_FAILED:
        return None
    if not endpoint:
        return None
    return identity_service.client().logout_redirect(
        post_logout_redirect_uri=url_for("auth.login", _external=True), id_token_hint=id_token)


def _refused(message: str, reason: str, email: str | None = None):
    """The sign-in page again with why; the audit log (admins only) keeps why in its words."""
    audit.record("user.sign_in_failed", method="single sign-on", reason=reason,
                 email=str(email or "")[:254], ip=request.remote_addr)
    db.session.commit()
    return render_template("auth/sso_refused.html", message=message), 400
