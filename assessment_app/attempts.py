"""The attempts rules: two counted attempts per NPQ, what counts, and what comes next.

An attempt is one entry for one window. It ends as passed or failed (marked), voided (EC
accepted: it does not count), not submitted (counts, unless EC is accepted), lost at the
engagement deadline (below 90% without an agreed deferral: counts), deferred (agreed
before the engagement deadline, or by EC: does not count) or withdrawn (a resit not sat when
an earlier attempt passed: does not count). Which applies is attempt_outcome.decide's rule. An attempt still in progress
counts towards the two while it runs.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

MAX_COUNTED_ATTEMPTS = 2
ENGAGEMENT_THRESHOLD = 90


class AttemptOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    VOIDED = "voided"
    NOT_SUBMITTED = "not_submitted"
    LOST_ENGAGEMENT = "lost_engagement"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"  # a resit no longer needed (an earlier attempt passed), not sat


NOT_COUNTED = {AttemptOutcome.VOIDED, AttemptOutcome.DEFERRED, AttemptOutcome.WITHDRAWN}
OUTCOME_TEXT = {
    None: "In progress",
    AttemptOutcome.PASSED: "Passed",
    AttemptOutcome.FAILED: "Failed",
    AttemptOutcome.VOIDED: "Voided (does not count)",
    AttemptOutcome.NOT_SUBMITTED: "Not submitted",
    AttemptOutcome.LOST_ENGAGEMENT: "Lost: below 90% engagement at the deadline",
    AttemptOutcome.DEFERRED: "Deferred (does not count)",
    AttemptOutcome.WITHDRAWN: "Withdrawn: an earlier attempt passed (does not count)",
}


class Standing(StrEnum):
    IN_PROGRESS = "in_progress"  # an attempt is running
    MAY_ENTER = "may_enter"  # may be entered for the next suitable window
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"  # final: two counted non-passes


@dataclass(frozen=True)
class Ledger:
    standing: Standing
    counted: int

    @property
    def attempts_left(self) -> int:
        return max(0, MAX_COUNTED_ATTEMPTS - self.counted)

    @property
    def may_enter(self) -> bool:
        return self.standing is Standing.MAY_ENTER


def ledger(outcomes: Iterable[str | None]) -> Ledger:
    """The standing for one participant and NPQ, from the outcomes of their attempts (None while
    an attempt runs)."""
    outcomes = [AttemptOutcome(o) if o is not None else None for o in outcomes]
    counted = sum(1 for o in outcomes if o not in NOT_COUNTED)
    if AttemptOutcome.PASSED in outcomes:
        return Ledger(Standing.ACHIEVED, counted)
    if None in outcomes:
        return Ledger(Standing.IN_PROGRESS, counted)
    if counted >= MAX_COUNTED_ATTEMPTS:
        return Ledger(Standing.NOT_ACHIEVED, counted)
    return Ledger(Standing.MAY_ENTER, counted)


def meets_engagement(percent: float | None) -> bool:
    return percent is not None and percent >= ENGAGEMENT_THRESHOLD
