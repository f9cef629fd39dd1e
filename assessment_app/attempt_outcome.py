"""The outcome of an attempt: one rule, from every fact, the first that applies winning.

1. Deferred (agreed before the engagement deadline, or by EC) or withdrawn (an earlier attempt
   at the NPQ passed and nothing was submitted): no outcome, not counted.
2. Upheld academic misconduct, not overturned on appeal: failed, counted, whatever the marks,
   a review or an EC claim say (recorded once results are out).
3. An EC void, an admin's void, or a resit sat after an earlier attempt passed: voided.
4. Lost at the engagement gate, or nothing submitted by the participant's own deadline (no EC
   claim waiting): failed, counted (our records keep which).
5. Otherwise the marks once results are out: first marking, second marking and moderation,
   then the latest completed review of marking or admin's ruling.

An attempt already in the DfE return never disappears from it: where rule 1 would take it away,
it becomes voided (it no longer counts, and the DfE is told).

Every route that changes a fact (release, late results, review, misconduct, appeal, EC,
deferral, amendment, withdrawal) asks `decide` and records what it returns
(services/outcomes.py).
"""

from dataclasses import dataclass
from enum import StrEnum

from .attempts import AttemptOutcome


class Rule(StrEnum):
    """Which rule decided: the reason recorded and shown with the outcome."""

    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"
    MISCONDUCT = "misconduct"
    VOIDED = "voided"
    SUPERSEDED = "superseded"  # sat, but an earlier attempt passed: voided
    NO_LONGER_COUNTS = "no_longer_counts"  # reported, then deferred or withdrawn: voided
    LOST_AT_GATE = "lost_at_gate"
    NOT_SUBMITTED = "not_submitted"
    MARKS = "marks"
    IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class AttemptFacts:
    """Everything that bears on one attempt's outcome."""

    deferred: bool = False  # moved to a later window: agreed deferral or EC deferral
    earlier_passed: bool = False  # an earlier attempt at the same NPQ is passed
    misconduct_upheld: bool = False  # an upheld case whose appeal has not been allowed
    voided: bool = False  # an EC claim decided as void, or an admin's void ruling
    lost_at_gate: bool = False  # below 90% at the engagement deadline, no deferral
    submitted: bool = False
    deadline_passed: bool = False  # the participant's own deadline
    ec_pending: bool = False  # an undecided EC claim: non-submission waits for its decision
    results_out: bool = False  # the window's results have been released and recorded
    marked_pass: bool | None = None  # marks (reviews and rulings last); None while unfinished
    reported: bool = False  # the attempt is already in the DfE return


@dataclass(frozen=True)
class Decided:
    outcome: AttemptOutcome | None
    rule: Rule


def decide(f: AttemptFacts) -> Decided:
    """The attempt's outcome (None while it is still running or being marked)."""
    if f.deferred or (f.earlier_passed and not f.submitted):
        if f.reported:
            return Decided(AttemptOutcome.VOIDED, Rule.NO_LONGER_COUNTS)
        return Decided(AttemptOutcome.DEFERRED, Rule.DEFERRED) if f.deferred else \
            Decided(AttemptOutcome.WITHDRAWN, Rule.WITHDRAWN)
    if f.misconduct_upheld:
        if f.results_out or f.reported:
            return Decided(AttemptOutcome.FAILED, Rule.MISCONDUCT)
        return Decided(None, Rule.IN_PROGRESS)
    if f.voided:
        return Decided(AttemptOutcome.VOIDED, Rule.VOIDED)
    if f.earlier_passed:
        return Decided(AttemptOutcome.VOIDED, Rule.SUPERSEDED)
    if f.lost_at_gate:
        return Decided(AttemptOutcome.LOST_ENGAGEMENT, Rule.LOST_AT_GATE)
    if not f.submitted:
        if f.deadline_passed and not f.ec_pending:
            return Decided(AttemptOutcome.NOT_SUBMITTED, Rule.NOT_SUBMITTED)
        return Decided(None, Rule.IN_PROGRESS)
    if f.results_out and f.marked_pass is not None:
        return Decided(AttemptOutcome.PASSED if f.marked_pass else AttemptOutcome.FAILED,
                       Rule.MARKS)
    return Decided(None, Rule.IN_PROGRESS)
