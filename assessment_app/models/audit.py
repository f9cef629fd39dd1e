"""The audit trail: who did what, when, to what. Rows are only ever added."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, now


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # None: the system
    action: Mapped[str] = mapped_column(String(64))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_window.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id])
    participant = relationship("User", foreign_keys=[participant_id])


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(_mapper, _connection, target):
    """The audit trail is append-only in the app: an event is never changed or removed."""
    raise RuntimeError(f"audit event {target.id} cannot be changed or deleted")
