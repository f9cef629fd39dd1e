"""The DfE's lead-provider API: calls waiting to be sent (an outbox), and fetched participants
waiting for an admin to look at them before they are applied."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, now


class DfeCall(db.Model):
    """One call to the DfE (declare an outcome, or void a declaration), kept until it is done.

    `key` is unique, so a declaration is queued once however often the same change is seen;
    `after_id` is the entry's call before it, sent first (a void before its replacement);
    `started_at` is committed before the call goes and cleared once its answer is known, so
    a row still started after a crash is in doubt and is checked at the DfE before it is sent.
    """

    __tablename__ = "dfe_call"
    __table_args__ = (
        CheckConstraint("action IN ('declare', 'void')", name="action_known"),
        CheckConstraint("(action = 'declare') = (has_passed IS NOT NULL)", name="declare_passed"),
        CheckConstraint("(action = 'void') = (voids_id IS NOT NULL)", name="void_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    participant_id: Mapped[str] = mapped_column(String(36))  # the DfE's
    course_identifier: Mapped[str] = mapped_column(String(60))
    has_passed: Mapped[bool | None]
    declaration_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voids_id: Mapped[int | None] = mapped_column(ForeignKey("dfe_call.id"))
    after_id: Mapped[int | None] = mapped_column(ForeignKey("dfe_call.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Superseded before it was ever sent (the outcome changed again): never sent.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dfe_declaration_id: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry = relationship("Entry")
    voids = relationship("DfeCall", foreign_keys=[voids_id], remote_side=[id])
    after = relationship("DfeCall", foreign_keys=[after_id], remote_side=[id])


class DfeParticipantFetch(db.Model):
    """NPQ participants fetched from the DfE, kept as they came until an admin applies them."""

    __tablename__ = "dfe_participant_fetch"

    id: Mapped[int] = mapped_column(primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    fetched_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    records: Mapped[list] = mapped_column(JSON)  # dfe.participants.Incoming, as dicts
    skipped: Mapped[int] = mapped_column(default=0)  # not on an assessed NPQ
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
