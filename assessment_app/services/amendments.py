"""Amending a recorded outcome: the entry changes, the amendment is kept, audited and emailed."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..attempts import OUTCOME_TEXT, AttemptOutcome
from ..clock import to_london
from ..dfe_return import (
    MARKED,
    Amended,
    AmendmentRefused,
    DfeOutcome,
    amendment_choices,
    check_amendment,
)
from ..extensions import db
from ..models import Entry, OutcomeAmendment, User
from .audit import record
from .mail import queue
from .notifications import _sign_off, link


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
    passed = entry.outcome == AttemptOutcome.PASSED if entry.outcome else result.outcome.value == "pass"
    return "Passed" if passed else "Not passed"


def amend_outcome(entry: Entry, new_outcome: str, keep_date: bool, reason: str, actor: User,
                  at: datetime) -> OutcomeAmendment:
    """Change a recorded outcome with a reason; the completion date stays or becomes today."""
    amendment = record_amendment(entry, new_outcome, keep_date, reason, actor, at)
    db.session.commit()
    return amendment


def record_amendment(entry: Entry, new_outcome: str, keep_date: bool, reason: str, actor: User,
                     at: datetime) -> OutcomeAmendment:
    """amend_outcome within the caller's transaction (a review records its own part too)."""
    earlier = history([entry.id]).get(entry.id, [])
    if entry.completed_at is None:
        raise AmendmentRefused("This attempt has no completion recorded, so it cannot be amended.")
    new = check_amendment(entry.outcome, had_result(entry, earlier), new_outcome, reason)
    amendment = OutcomeAmendment(
        entry_id=entry.id, previous_outcome=entry.outcome,
        previous_completed_at=entry.completed_at, new_outcome=new.value,
        new_completed_at=entry.completed_at if keep_date else at, reason=reason.strip(),
        amended_by=actor.id, amended_at=at)
    db.session.add(amendment)
    entry.outcome, entry.completed_at = new.value, amendment.new_completed_at
    record("outcome.amended", actor=actor, window_id=entry.window_id,
           participant_id=entry.participant_id, entry=entry.id,
           before=amendment.previous_outcome, after=new.value,
           completed_at=amendment.new_completed_at.isoformat(), reason=amendment.reason)
    _tell_participant(entry, amendment, at)
    return amendment


def _tell_participant(entry: Entry, amendment: OutcomeAmendment, at: datetime) -> None:
    before = OUTCOME_TEXT[AttemptOutcome(amendment.previous_outcome)]
    after = OUTCOME_TEXT[AttemptOutcome(amendment.new_outcome)]
    queue(entry.participant.email, f"Your NPQ assessment outcome has been amended: {entry.window.name}",
          f"Dear {entry.participant.name},\n\nThe outcome of your assessment for the NPQ in "
          f"{entry.npq.name} ({entry.window.name}) has been amended.\n\n"
          f"It was: {before}\nIt is now: {after}\n"
          f"Completion date: {to_london(amendment.new_completed_at):%-d %B %Y}\n\n"
          f"Reason: {amendment.reason}\n\n{link(f'/assessments/{entry.id}')}" + _sign_off(),
          "outcome_amended", at)
