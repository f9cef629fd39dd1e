"""Recording sensitive actions in the audit trail."""

from ..clock import now
from ..extensions import db
from ..models import AuditEvent


def record(action: str, *, actor=None, window_id=None, participant_id=None, **detail) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with its change)."""
    event = AuditEvent(**event_row(action, actor=actor, window_id=window_id,
                                   participant_id=participant_id, **detail))
    db.session.add(event)
    return event


def event_row(action: str, *, actor=None, window_id=None, participant_id=None,
              **detail) -> dict:
    """An audit event's row, as plain values: record() makes it an object; a caller writing
    plain rows (the submission a whole cohort makes in its last hour) inserts it as it is.
    What the row refers to must already be written."""
    return {"at": now(), "actor_id": getattr(actor, "id", None), "action": action,
            "window_id": window_id, "participant_id": participant_id, "detail": detail}
