"""Which account an identity from the identity service signs in to. A sign-in never creates
an account: the admin enters people, and an identity reaches only the account they entered."""

from sqlalchemy import select

from ..extensions import db
from ..models import User
from . import audit

REFUSED = {
    "unverified email": "Your organisation's account has no verified email address, so we "
                        "cannot tell which account is yours. Ask your IT team, or sign in "
                        "with your password.",
    "no such account": "There is no account for that email address here. Ask your assessment "
                       "team to add you.",
    "account deactivated": "Your account here has been closed. Ask your assessment team.",
    "linked elsewhere": "This account is linked to another sign-in at your organisation. Ask "
                        "your assessment team.",
}


def account_for(issuer: str, claims: dict) -> tuple[User | None, str | None]:
    """(the account, None), or (None, why not: a key of REFUSED).

    An identity once linked signs in by its subject alone. Otherwise a verified email links it
    to the account with that email, if that account is not already linked at this issuer."""
    subject = str(claims["sub"])
    user = db.session.scalar(select(User).where(User.oidc_issuer == issuer,
                                                User.oidc_subject == subject))
    if user is None:
        email = claims.get("email")
        if not email or not _verified(claims):
            return None, "unverified email"
        user = db.session.scalar(select(User).where(User.email == str(email).strip().lower()))
        if user is None:
            return None, "no such account"
        if not user.active:
            return None, "account deactivated"
        if user.oidc_subject is not None and user.oidc_issuer == issuer:
            return None, "linked elsewhere"
        user.oidc_issuer, user.oidc_subject = issuer, subject
        audit.record("user.single_sign_on_linked", actor=user, issuer=issuer)
        db.session.flush()
    if not user.active:
        return None, "account deactivated"
    return user, None


def _verified(claims: dict) -> bool:
    """Whether the identity service vouches for the email: email_verified, or Microsoft Entra
    ID's xms_edov (the email's domain verified by its owner), as Entra sends no email_verified."""
    return claims.get("email_verified") is True or claims.get("xms_edov") is True
