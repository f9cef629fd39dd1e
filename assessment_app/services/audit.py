"""Recording sensitive actions in the audit trail."""

from ..clock import now
from ..extensions import db
from ..models import AuditEvent


def record(action: str, *, actor=None, window_id=None, participant_id=None, **detail) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with its change)."""
    event = AuditEvent(
        at=now(),
        actor_id=getattr(actor, "id", None),
        action=action,
        window_id=window_id,
        participant_id=participant_id,
        detail=detail,
    )
    db.session.add(event)
    return event
