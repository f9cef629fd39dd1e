"""Email waiting to be sent, and single-use links for setting a password."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, now


class OutboxMessage(db.Model):
    """An email, kept until the mail server accepts it, so an outage loses nothing."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    # Set for notices that must go once only (a reminder, a release notice): a unique key.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A message that can never be sent as it is (one the mail server refuses for good, or one
    # that cannot be written as an email): set aside with why, for an admin to see and retry,
    # so it never holds up the messages after it.
    set_aside_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_aside_reason: Mapped[str | None] = mapped_column(Text)


class PasswordToken(db.Model):
    """A single-use link to set a password; only its SHA-256 is stored."""

    __tablename__ = "password_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SHA-256 of the user's password hash when the link was made (None: no password yet),
    # so a password change by any route voids every link made before it.
    password_fingerprint: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User")
