"""The scheduler leader's heartbeat: written each minute by the leader, read by /readyz."""

from datetime import datetime

from ..extensions import db
from ..models.scheduler import HEARTBEAT_ID, SchedulerHeartbeat


def beat(leader: str, at: datetime) -> None:
    """Record that `leader` is running the scheduler at `at`."""
    row = db.session.get(SchedulerHeartbeat, HEARTBEAT_ID)
    if row is None:
        db.session.add(SchedulerHeartbeat(id=HEARTBEAT_ID, leader=leader, seen_at=at))
    else:
        row.leader, row.seen_at = leader, at
    db.session.flush()
