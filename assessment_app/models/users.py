"""People who sign in."""

from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from .. import password_hashing
from ..extensions import db
from ._types import UTCDateTime, enum_column, now


class Role(StrEnum):
    PARTICIPANT = "participant"
    MARKER = "marker"
    MODERATOR = "moderator"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    """A participant, marker, moderator or assessment admin."""

    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    # One account per identity at an identity service (single_sign_on.py); an index, so the
    # migration adds it without rebuilding the table on SQLite.
    __table_args__ = (Index("uq_app_user_oidc_identity", "oidc_issuer", "oidc_subject",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Marker conflicts of interest are judged on these, so they live on every user.
    delivery_partner: Mapped[str | None] = mapped_column(String(200))
    school: Mapped[str | None] = mapped_column(String(200))
    cohort: Mapped[str | None] = mapped_column(String(100))
    programme: Mapped[str | None] = mapped_column(ForeignKey("npq.code"))  # a participant's NPQ
    # Some providers (UCL) assess within three months of this day; entry warns outside it.
    programme_end_date: Mapped[date | None] = mapped_column(Date)
    # From the DfE's lead-provider API: its participant id, its school reference (the DfE
    # gives a URN, not a name) and its training status (active, deferred or withdrawn).
    dfe_participant_id: Mapped[str | None] = mapped_column(String(36), unique=True, index=True)
    school_urn: Mapped[str | None] = mapped_column(String(20))
    dfe_training_status: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # Kept in every session signed in to the account and checked on every request: signing
    # out, a new password and deactivation bump it, which ends every session signed before.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Linked at the first single sign-on by verified email; matched by these from then on, so
    # a later change of email at the identity service does not lose the account.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # A staff account's authenticator app (second_factor.py): the secret is kept from the
    # setup page on, and counts only once a code from it has been typed (totp_enabled_at).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second step of the last code accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column()

    @validates("email")
    def _normalise_email(self, _key, value: str) -> str:
        return value.strip().lower()

    def set_password(self, password: str) -> None:
        """A new password, which ends every session of the account (a thief's included)."""
        self.password_hash = password_hashing.hash_password(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """Sign the account out everywhere: no session signed in before this one counts."""
        self.session_generation = (self.session_generation or 0) + 1

    def check_password(self, password: str) -> bool:
        return password_hashing.verify(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to deactivated users
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.PARTICIPANT

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app; stored hashed like a
    password, shown once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInRule(db.Model):
    """How a staff role signs in, set by an admin; a role without a row requires nothing."""

    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)
    second_factor_required: Mapped[bool] = mapped_column(default=False)
    single_sign_on_required: Mapped[bool] = mapped_column(default=False)


class PeopleUpload(db.Model):
    """A people CSV kept between its preview and the admin applying it, so what is applied is
    the very file whose changes were listed."""

    __tablename__ = "people_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
