"""Results: an admin's release (refused while any script's checking is unfinished), recording
each attempt's outcome once results are out (and afterwards for attempts still open or unmarked
then), and when a participant sees their result."""

from datetime import datetime

from ..attempt_outcome import Rule
from ..extensions import db
from ..models import AssessmentWindow, Entry, User
from . import audit, notifications, outcomes
from .allocations import marked_versions
from .checking import (
    draw_second_marking_sample,
    entries_checking,
    final_results,
    first_marking_complete,
    outstanding_checks,
    refusal,
)
from .marking_error import MarkingError


def result_visible(entry: Entry, at: datetime) -> bool:
    """A participant sees their result once it is recorded for them, or from the release minute
    if the window's checking is complete (the scheduler records it within the minute; a release
    it must hold is never shown). After the window's release, an attempt that was still open or
    unmarked shows nothing until its own result is recorded (record_results)."""
    window = entry.window
    if window.results_recorded_at is not None:
        return entry.outcome is not None
    return window.results_released(at) and not outstanding_checks(window, at)


class ReleaseHeld(MarkingError):
    """A release refused while checking is unfinished. The second-marking sample drawn on the
    way stands, its scripts already with their second markers: the caller commits it."""


def release_results(window: AssessmentWindow, when: datetime, actor: User, at: datetime) -> None:
    """Release now or schedule a release; refused (ReleaseHeld) while any script's marking,
    second marking or moderation is unfinished (the sample is drawn first if first marking is
    complete)."""
    if window.state(at).value != "closed":
        raise MarkingError("Results can only be released after the window has closed.")
    if first_marking_complete(window, at):
        draw_second_marking_sample(window, at, actor)
    outstanding = outstanding_checks(window, at)
    if outstanding:
        raise ReleaseHeld(refusal(outstanding))
    window.results_release_at = max(when, at)
    audit.record("results.release_set", actor=actor, window_id=window.id,
                 release_at=window.results_release_at.isoformat())
    if window.results_release_at <= at:
        record_results(window, at)


def record_results(window: AssessmentWindow, at: datetime) -> bool:
    """Set each attempt's outcome and completion date once results are out. Idempotent.
    A release whose checking became incomplete after it was set (say a late fail) is
    withdrawn instead, and the admins are told: they release again when checking is done."""
    if not window.results_released(at):
        return False
    if window.results_recorded_at is not None:
        return _record_late_results(window, at)
    outstanding = outstanding_checks(window, at)
    if outstanding:
        audit.record("results.release_held", window_id=window.id,
                     release_at=window.results_release_at.isoformat(),
                     scripts=[str(o) for o in outstanding])
        notifications.results_release_held(window, refusal(outstanding), at)
        window.results_release_at = None
        return False
    versions = marked_versions(window, at)
    window.results_recorded_at = at
    db.session.flush()
    changes = outcomes.settle([v.entry for v in versions.values()], at)
    notifications.results_released([c.entry for c in changes if c.rule in _RESULTS], at)
    audit.record("results.released", window_id=window.id, entries=len(versions))
    return True


# The rules by which an attempt's result reaches the participant with the window's release.
_RESULTS = (Rule.MARKS, Rule.MISCONDUCT)


def _record_late_results(window: AssessmentWindow, at: datetime) -> bool:
    """After a window's release, record each attempt that was still open (an extension) or
    unmarked then, as soon as its checking is complete: outcome, completion date (the day its
    result is released) and the notice together, never a result without its record."""
    pending = {k: v for k, v in marked_versions(window, at).items() if v.entry.outcome is None}
    if not pending:
        return False
    checking = entries_checking(pending.keys())
    first_marked = {k for k in pending if checking.first_mark(k) is not None}
    if not first_marked:
        return False
    # A first mark given after the release still faces the sample, as at the release itself.
    draw_second_marking_sample(window, at)
    done = [pending[k].entry for k in sorted(final_results(first_marked))]
    if not done:
        return False
    changes = outcomes.settle(done, at)
    notifications.results_released([c.entry for c in changes if c.rule in _RESULTS], at)
    audit.record("results.released", window_id=window.id, entries=len(done),
                 after_window_release=True)
    return True
