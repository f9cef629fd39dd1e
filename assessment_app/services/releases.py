"""Recording case-study releases. Idempotent: recording twice changes nothing the second time.

Whether participants can read a case study is decided from the clock on every request
(AssessmentWindow.is_released); recording only leaves the trace and triggers the notices.
"""

from datetime import datetime

from sqlalchemy import select, update

from ..extensions import db
from ..models import AssessmentWindow
from . import audit, notifications


def record_release(window_id: int, at: datetime) -> bool:
    """Record one window's release if it is due and not yet recorded; True if this call did it."""
    result = db.session.execute(
        update(AssessmentWindow)
        .where(
            AssessmentWindow.id == window_id,
            AssessmentWindow.release_at <= at,
            AssessmentWindow.release_recorded_at.is_(None),
        )
        .values(release_recorded_at=at)
    )
    # The conditional UPDATE makes two concurrent runs safe: only one sees a changed row (the
    # other waits for the first one's commit, then finds nothing to change).
    if result.rowcount != 1:
        return False
    audit.record("case_study.released", window_id=window_id)
    notifications.case_study_released(window_id, at)
    return True


def due_releases(at: datetime) -> list[int]:
    """The windows whose release is due and not yet recorded (the catch-up after downtime)."""
    return list(db.session.scalars(
        select(AssessmentWindow.id).where(
            AssessmentWindow.release_at <= at, AssessmentWindow.release_recorded_at.is_(None)
        ).order_by(AssessmentWindow.id)
    ))


def record_due_releases(at: datetime) -> list[int]:
    """Record every release that is due; returns the window ids. (The scheduler records each
    window's in a transaction of its own.)"""
    return [window_id for window_id in due_releases(at) if record_release(window_id, at)]


def upcoming_releases(at: datetime) -> list[tuple[int, datetime]]:
    """Windows whose release is still to come, with their release instants."""
    rows = db.session.execute(
        select(AssessmentWindow.id, AssessmentWindow.release_at).where(
            AssessmentWindow.release_at > at, AssessmentWindow.release_recorded_at.is_(None)
        )
    ).all()
    return [(row.id, row.release_at) for row in rows]
