"""The audit trail: who did what, when, to what. Rows are only ever added."""

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, String, event
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


# On PostgreSQL the database itself refuses to change history, so not even a bug in a bulk
# statement or someone at a database console can: a statement trigger raises on UPDATE, DELETE
# and TRUNCATE of the table. The migration runs the same statements (the app's tables are
# also built by create_all in tests, through the event below), so both agree.
APPEND_ONLY_DDL = (
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'audit_event is append-only: ' || TG_OP || ' refused';
    END
    $$""",
    """CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
)
DROP_APPEND_ONLY_DDL = (
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
)

for _statement in APPEND_ONLY_DDL:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(_mapper, _connection, target):
    """The audit trail is append-only in the app: an event is never changed or removed."""
    raise RuntimeError(f"audit event {target.id} cannot be changed or deleted")
