"""A staff account's second factor: an authenticator app (TOTP, RFC 6238) and single-use
recovery codes. Checked only after the password, and the session is signed in only once it
passes (auth/second_factor.py)."""

import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import select

from .. import password_hashing
from ..extensions import db
from ..models import RecoveryCode, Role, SignInRule, User
from . import audit

RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = 10
# A code from the step before or after the current one also counts: phone clocks drift.
DRIFT_STEPS = 1
STAFF_ROLES = (Role.MARKER, Role.MODERATOR, Role.ADMIN)


def rule_for(role: Role) -> SignInRule:
    """The role's sign-in rule (an unsaved one requiring nothing if none was ever set)."""
    return db.session.get(SignInRule, role) or SignInRule(
        role=role, second_factor_required=False, single_sign_on_required=False)


def set_rule(role: Role, *, second_factor: bool, single_sign_on: bool, by: User) -> None:
    rule = db.session.get(SignInRule, role)
    if rule is None:
        rule = rule_for(role)
        db.session.add(rule)
    if (rule.second_factor_required, rule.single_sign_on_required) != (second_factor,
                                                                      single_sign_on):
        audit.record("sign_in_rule.changed", actor=by, role=role.value,
                     second_factor_required=second_factor,
                     single_sign_on_required=single_sign_on)
    rule.second_factor_required = second_factor
    rule.single_sign_on_required = single_sign_on
    db.session.flush()


def needs_second_factor(user: User) -> bool:
    """Whether a password sign-in must pass a second factor: a staff account that has one, or
    whose role requires one (it then sets one up before it is signed in)."""
    return user.is_staff and (user.has_second_factor or rule_for(user.role).second_factor_required)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str, service: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=service)


def qr_code_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI, which the Content-Security-Policy allows as an image."""
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=4)


def _accept_totp(user: User, secret: str, code: str, at: datetime) -> bool:
    """Whether the code is the app's for now (or a step either side) and newer than the last
    one accepted; a code used once is refused after, so one seen over a shoulder is spent."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if secrets.compare_digest(totp.generate_otp(step), code) and \
                (user.totp_last_step is None or step > user.totp_last_step):
            user.totp_last_step = step
            return True
    return False


def confirm_setup(user: User, secret: str, code: str, at: datetime) -> list[str] | None:
    """Turn the second factor on (or move it to a new app) with a first code from the app
    holding `secret`: the new recovery codes (shown once, stored hashed), or None if the code
    is wrong. Until then an earlier app goes on working."""
    user.totp_last_step = None if secret != user.totp_secret else user.totp_last_step
    if not _accept_totp(user, secret, _digits(code), at):
        return None
    user.totp_secret, user.totp_enabled_at = secret, at
    codes = _new_recovery_codes(user)
    audit.record("second_factor.enabled", actor=user)
    db.session.flush()
    return codes


def verify(user: User, code: str, at: datetime) -> str | None:
    """How the code passed ("app" or "recovery code"), or None. A recovery code is spent."""
    if user.has_second_factor and _accept_totp(user, user.totp_secret, _digits(code), at):
        return "app"
    typed = _recovery_form(code)
    # Each stored code checked costs a password hash's time: only what is shaped like one.
    if len(typed) != RECOVERY_CODE_LENGTH:
        return None
    for stored in db.session.scalars(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))):
        if password_hashing.verify(stored.code_hash, typed):
            stored.used_at = at
            audit.record("second_factor.recovery_code_used", actor=user)
            db.session.flush()
            return "recovery code"
    return None


def reset(user: User) -> None:
    """No app and no recovery codes (lost with the phone), every session ended, audited."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    _delete_recovery_codes(user)
    user.end_sessions()
    audit.record("second_factor.reset", email=user.email)
    db.session.flush()


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def _new_recovery_codes(user: User) -> list[str]:
    """Ten new codes, replacing any earlier ones: five groups of two letters or digits, easy
    to read out and type (xxxx-xxxx-xx)."""
    _delete_recovery_codes(user)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789")
                      for _ in range(RECOVERY_CODE_LENGTH))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id,
                                    code_hash=password_hashing.hash_password(raw)))
    return codes


def _delete_recovery_codes(user: User) -> None:
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)


def _digits(code: str) -> str:
    """The code as typed, with the spaces an app shows in it ("123 456") taken out."""
    return "".join(code.split())


def _recovery_form(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())
