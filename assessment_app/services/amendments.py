"""Amendments: their history, what an admin may rule, and an admin's ruling (a fact the
outcome rule weighs; outcomes.settle records the amendment it causes). Services flush."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..attempt_outcome import Rule
from ..attempts import OUTCOME_TEXT, AttemptOutcome
from ..dfe_return import (
    MARKED,
    Amended,
    AmendmentRefused,
    DfeOutcome,
    amendment_choices,
    check_amendment,
)
from ..extensions import db
from ..models import Entry, OutcomeAmendment, OutcomeRuling, User
from . import outcomes


def history(entry_ids) -> dict[int, list[OutcomeAmendment]]:
    """Each entry's amendments, oldest first, in one query."""
    rows = db.session.scalars(
        select(OutcomeAmendment).where(OutcomeAmendment.entry_id.in_(list(entry_ids)))
        .options(selectinload(OutcomeAmendment.actor), selectinload(OutcomeAmendment.entry))
        .order_by(OutcomeAmendment.amended_at, OutcomeAmendment.id)
    ).all()
    by_entry: dict[int, list[OutcomeAmendment]] = {}
    for row in rows:
        by_entry.setdefault(row.entry_id, []).append(row)
    return by_entry


def as_amended(rows: list[OutcomeAmendment]) -> list[Amended]:
    return [Amended(a.amended_at, a.previous_outcome, a.previous_completed_at) for a in rows]


def had_result(entry: Entry, earlier: list[OutcomeAmendment]) -> bool:
    """Whether the attempt was ever marked and released (passed or failed), before amendments."""
    return entry.outcome in MARKED or any(a.previous_outcome in MARKED for a in earlier)


def choices_for(entry: Entry, earlier: list[OutcomeAmendment]) -> list[DfeOutcome]:
    """What this entry's recorded outcome may be amended to (none without a completion date)."""
    if entry.completed_at is None:
        return []
    return amendment_choices(entry.outcome, had_result(entry, earlier))


def headline(entry: Entry, result) -> str:
    """The outcome a participant is shown: the recorded one, which an amendment may have
    changed since marking, else the marked one (results out, not yet recorded)."""
    if entry.outcome == AttemptOutcome.VOIDED:
        return "Voided: this attempt does not count"
    if entry.outcome_rule == Rule.MISCONDUCT:
        return "Not passed: academic misconduct"
    passed = entry.outcome == AttemptOutcome.PASSED if entry.outcome else result.outcome.value == "pass"
    return "Passed" if passed else "Not passed"


def amend_outcome(entry: Entry, new_outcome: str, keep_date: bool, reason: str, actor: User,
                  at: datetime) -> OutcomeAmendment:
    """An admin's ruling on a recorded outcome, with a reason; the rule then decides, so a ruling
    cannot lift upheld misconduct (only its appeal can) and is refused if it changes nothing."""
    earlier = history([entry.id]).get(entry.id, [])
    if entry.completed_at is None:
        raise AmendmentRefused("This attempt has no completion recorded, so it cannot be amended.")
    new = check_amendment(entry.outcome, had_result(entry, earlier), new_outcome, reason)
    db.session.add(OutcomeRuling(entry_id=entry.id, outcome=new.value, reason=reason.strip(),
                                 ruled_by=actor.id, ruled_at=at))
    db.session.flush()
    changes = outcomes.settle([entry], at, actor, reason.strip(),
                              completed_at=entry.completed_at if keep_date else None)
    amendment = next((c.amendment for c in changes if c.entry is entry and c.amendment), None)
    if amendment is None:
        raise AmendmentRefused(_why_unchanged(entry))
    return amendment


def _why_unchanged(entry: Entry) -> str:
    if entry.outcome_rule == Rule.MISCONDUCT:
        return ("Academic misconduct was upheld for this attempt, so it stays failed: only an "
                "appeal against that decision, recorded on the misconduct case, can change it.")
    return (f"The outcome stays {OUTCOME_TEXT[AttemptOutcome(entry.outcome)].lower()}: other "
            "facts of this attempt decide it.")
