"""What we declare to the DfE for an attempt, from the same facts as the DfE return.

The DfE records an NPQ outcome through a `completed` declaration with `has_passed`; voiding that
declaration voids the outcome. So, from the outcome the DfE return shows (Entry.reported_outcome
and its completion date, read through dfe_return):

| reported | declared                                                       |
|----------|----------------------------------------------------------------|
| passed   | a completed declaration, has_passed true, dated the completion |
| failed   | the same with has_passed false                                 |
| voided   | nothing live: a declaration already made is voided             |
| no row   | nothing                                                        |

When what is reported changes (an amendment, a late EC void), the live declaration is voided
first and the new one sent after it; one that never went is simply cancelled.
"""

from dataclasses import dataclass
from datetime import datetime

from ..dfe_return import DfeOutcome, completion_date, dfe_outcome

# Voiding a paid declaration makes the DfE claw it back: it is no longer live either way.
NOT_LIVE_STATES = frozenset({"voided", "awaiting_clawback", "clawed_back"})


@dataclass(frozen=True)
class Wanted:
    """The completed declaration an attempt should have at the DfE."""

    has_passed: bool
    declaration_date: datetime


@dataclass(frozen=True)
class Live:
    """The declaration we hold as live for an attempt: sent, or queued to be."""

    has_passed: bool
    declaration_date: datetime
    may_have_gone: bool  # sent, or its sending is in doubt: it can only be voided


@dataclass(frozen=True)
class Plan:
    cancel: bool = False  # the live declaration never went: drop it
    void: bool = False  # the live declaration may be at the DfE: void it first
    declare: Wanted | None = None


def wanted(reported_outcome: str | None, reported_completed_at: datetime | None) -> Wanted | None:
    state = dfe_outcome(reported_outcome)
    if state not in (DfeOutcome.PASSED, DfeOutcome.FAILED) or reported_completed_at is None:
        return None
    return Wanted(state is DfeOutcome.PASSED, reported_completed_at)


def plan(live: Live | None, want: Wanted | None) -> Plan:
    if live is not None and want is not None and (live.has_passed, live.declaration_date) == (
            want.has_passed, want.declaration_date):
        return Plan()
    if live is None:
        return Plan(declare=want)
    return Plan(cancel=not live.may_have_gone, void=live.may_have_gone, declare=want)


def passed_flag(has_passed) -> bool | None:
    """The DfE writes has_passed as a string in what it returns ("true"), a boolean in what it
    takes: either, read as a boolean."""
    if isinstance(has_passed, bool) or has_passed is None:
        return has_passed
    return {"true": True, "false": False}.get(str(has_passed).strip().lower())


def same_declaration(declaration: dict, course_identifier: str, want: Wanted) -> bool:
    """True if this declaration from the DfE is the live completed one we meant to send: how
    a sending whose answer was lost (a crash, a timeout) is found instead of sent twice."""
    attributes = declaration.get("attributes") or {}
    try:
        date = datetime.fromisoformat(attributes.get("declaration_date", ""))
    except ValueError:
        return False
    return (attributes.get("declaration_type") == "completed"
            and attributes.get("course_identifier") == course_identifier
            and attributes.get("state") not in NOT_LIVE_STATES
            and date == want.declaration_date.replace(microsecond=0)
            and passed_flag(attributes.get("has_passed")) is want.has_passed)


@dataclass(frozen=True)
class Disagreement:
    ours: str  # "passed on 2026-07-31", or "no outcome"
    theirs: str


def compare(reported_outcome: str | None, reported_completed_at: datetime | None,
            course_identifier: str, outcomes: list[dict]) -> Disagreement | None:
    """Where the DfE's outcomes for a participant disagree with what we report for one course:
    the DfE's newest outcome for the course against ours (state and completion date). A voided
    outcome of ours matches a voided one, or none at all (nothing was ever declared)."""
    mine = dfe_outcome(reported_outcome)
    ours = f"{mine.value} on {completion_date(reported_completed_at)}" \
        if mine is not None and reported_completed_at is not None else "no outcome"
    theirs_list = [o.get("attributes") or {} for o in outcomes]
    theirs_list = [a for a in theirs_list if a.get("course_identifier") == course_identifier]
    if not theirs_list:
        return None if mine in (None, DfeOutcome.VOIDED) else Disagreement(ours, "no outcome")
    newest = max(theirs_list, key=lambda a: (a.get("created_at") or "", a.get("updated_at") or ""))
    theirs = f"{newest.get('state')} on {_london_date(newest.get('completion_date'))}"
    if mine is DfeOutcome.VOIDED and newest.get("state") == "voided":
        return None
    return None if theirs == ours else Disagreement(ours, theirs)


def _london_date(text: str | None) -> str:
    """The DfE's completion date (an instant: the declaration date we sent) as our return
    writes it, the London date; as it came if it cannot be read."""
    try:
        return completion_date(datetime.fromisoformat(text or ""))
    except ValueError:
        return text or "no date"
