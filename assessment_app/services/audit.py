"""Recording sensitive actions in the audit trail."""

from sqlalchemy import insert

from ..clock import now
from ..extensions import db
from ..models import AuditEvent


def record(action: str, *, actor=None, window_id=None, participant_id=None, **detail) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with its change)."""
    event = AuditEvent(**_row(action, actor, window_id, participant_id, detail))
    db.session.add(event)
    return event


def record_now(action: str, *, actor=None, window_id=None, participant_id=None, **detail) -> None:
    """record() sent at once as one INSERT in the current transaction, with no object kept:
    for the submission a whole cohort makes in its last hour, where the unit of work costs
    more than the row. What the row refers to must already be written. inline(): the new id is
    not read back (no RETURNING), so the INSERT can be pipelined (round_trips.py)."""
    db.session.connection().execute(_INSERT, _row(action, actor, window_id, participant_id,
                                                  detail))


_INSERT = insert(AuditEvent.__table__).inline()


def _row(action: str, actor, window_id, participant_id, detail: dict) -> dict:
    return {"at": now(), "actor_id": getattr(actor, "id", None), "action": action,
            "window_id": window_id, "participant_id": participant_id, "detail": detail}
