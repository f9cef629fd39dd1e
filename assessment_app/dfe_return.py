"""The DfE return: our attempt outcomes in the DfE's three outcome states, and amendments.

The DfE records an NPQ assessment outcome as passed, failed or voided, each with a completion
date. Our attempts end in more states (attempts.AttemptOutcome); they map like this:

| our outcome       | DfE state | why                                                          |
|-------------------|-----------|--------------------------------------------------------------|
| passed            | passed    |                                                              |
| failed            | failed    |                                                              |
| not_submitted     | failed    | entered, nothing submitted and no EC accepted: it counts     |
| lost_engagement   | failed    | below 90% at the engagement deadline, no deferral: it counts |
| voided            | voided    | EC accepted: it does not count, but the DfE is told          |
| deferred          | (no row)  | moved to a later window before it began: nothing to report   |
| withdrawn         | (no row)  | a resit not sat, no longer needed after an earlier pass      |
| in progress       | (no row)  | no outcome yet                                               |

An admin may amend a recorded outcome (a review of marking changed it, or a late EC decision
voids it). The new outcome is always a DfE state; the return marks the row as amended.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .attempts import AttemptOutcome
from .clock import to_london


class DfeOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    VOIDED = "voided"


DFE_OUTCOME: dict[AttemptOutcome, DfeOutcome | None] = {
    AttemptOutcome.PASSED: DfeOutcome.PASSED,
    AttemptOutcome.FAILED: DfeOutcome.FAILED,
    AttemptOutcome.NOT_SUBMITTED: DfeOutcome.FAILED,
    AttemptOutcome.LOST_ENGAGEMENT: DfeOutcome.FAILED,
    AttemptOutcome.VOIDED: DfeOutcome.VOIDED,
    AttemptOutcome.DEFERRED: None,
    AttemptOutcome.WITHDRAWN: None,
}
# Outcomes an admin may amend: every one the DfE is told about.
AMENDABLE = frozenset(o for o, dfe in DFE_OUTCOME.items() if dfe is not None)
MARKED = frozenset({AttemptOutcome.PASSED, AttemptOutcome.FAILED})

RETURN_COLUMNS = [
    "email", "name", "npq", "window", "outcome", "completion_date",
    "amended", "amended_on", "previous_outcome", "previous_completion_date",
]


class AmendmentRefused(Exception):
    """An amendment that cannot be made; the message says why."""


def dfe_outcome(outcome: str | None) -> DfeOutcome | None:
    """The DfE state for one of our outcomes, or None when the DfE return has no row for it."""
    return None if outcome is None else DFE_OUTCOME[AttemptOutcome(outcome)]


def completion_date(instant: datetime) -> str:
    """The completion date the DfE gets: the London date of the instant, as YYYY-MM-DD."""
    return to_london(instant).date().isoformat()


def amendment_choices(current: str | None, had_result: bool) -> list[DfeOutcome]:
    """What a recorded outcome may be amended to. Only an attempt that had a marked result can
    become passed or failed (after a review); any recorded attempt can be voided (late EC)."""
    if current is None or AttemptOutcome(current) not in AMENDABLE:
        return []
    allowed = list(DfeOutcome) if had_result else [DfeOutcome.VOIDED]
    return [o for o in allowed if o.value != current]


def check_amendment(current: str | None, had_result: bool, new: str, reason: str) -> DfeOutcome:
    """The new outcome, if this amendment may be made; else AmendmentRefused says why."""
    if current is None or AttemptOutcome(current) not in AMENDABLE:
        raise AmendmentRefused("Only a recorded outcome (passed, failed, voided, not submitted or "
                               "lost at the engagement deadline) can be amended.")
    choices = amendment_choices(current, had_result)
    if new not in {c.value for c in choices}:
        raise AmendmentRefused("Choose one of the outcomes offered: " +
                               ", ".join(c.value for c in choices) + ".")
    if not reason.strip():
        raise AmendmentRefused("Give the reason for the amendment: the participant will see it.")
    return DfeOutcome(new)


@dataclass(frozen=True)
class Amended:
    """One amendment of an attempt's outcome, as the return needs it."""

    amended_at: datetime
    previous_outcome: str
    previous_completed_at: datetime


def return_row(outcome: str | None, completed_at: datetime | None,
               amendments: Sequence[Amended]) -> dict[str, str] | None:
    """The outcome columns of one attempt's row in the DfE return, or None if it has no row.

    An amended row says so (amended = yes), with the London date of the latest amendment and
    the DfE outcome and completion date it replaced.
    """
    state = dfe_outcome(outcome)
    if state is None or completed_at is None:
        return None
    row = {"outcome": state.value, "completion_date": completion_date(completed_at),
           "amended": "no", "amended_on": "", "previous_outcome": "",
           "previous_completion_date": ""}
    if amendments:
        latest = max(amendments, key=lambda a: a.amended_at)
        previous = dfe_outcome(latest.previous_outcome)
        row.update(amended="yes", amended_on=completion_date(latest.amended_at),
                   previous_outcome=previous.value if previous else "",
                   previous_completion_date=completion_date(latest.previous_completed_at))
    return row
