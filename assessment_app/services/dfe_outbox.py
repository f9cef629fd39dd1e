"""Outcomes out to the DfE through an outbox: each recorded outcome becomes a `completed`
declaration (dfe/declarations.py says which), queued with the change that causes it and sent
by the scheduler.

- Queued once: each call has a unique key, and queuing compares with what is already queued,
  so seeing the same outcome again queues nothing.
- In order: a call waits for the entry's call before it (a void before its replacement).
- Not before results: a call waits until its window's results are released.
- Never twice: the scheduler commits `start` before the call goes, and `send` records the
  answer. A call still started when its turn comes again (a crash, a timeout, a server error
  between the two) is looked for at the DfE first and adopted if it is there.
- Retried with growing waits; every failure is kept with the DfE's own words for the admin.

Services flush; the scheduler's duty commits each step (scheduling.send_to_dfe).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, joinedload

from ..csv_imports import chunked
from ..dfe.client import DfeClient, DfeError
from ..dfe.courses import NPQ_TO_COURSE
from ..dfe.declarations import (
    NOT_LIVE_STATES,
    Disagreement,
    Live,
    Wanted,
    compare,
    plan,
    same_declaration,
    wanted,
)
from ..extensions import db
from ..models import AssessmentWindow, DfeCall, Entry, User
from ..savepoints import savepoint

MAX_BACKOFF = timedelta(hours=6)
BATCH = 50


def queue_for(entries: list[Entry], at: datetime) -> None:
    """Queue what the DfE needs to hold each entry's reported outcome (the caller commits):
    nothing for participants the DfE has not linked to us. A fixed number of statements for
    any number of entries with no linked participant (a whole window's release)."""
    linked = {}
    for some in chunked(list({e.participant_id for e in entries})):
        linked.update(db.session.execute(
            select(User.id, User.dfe_participant_id)
            .where(User.id.in_(some), User.dfe_participant_id.is_not(None))).all())
    entries = [e for e in entries if e.participant_id in linked]
    calls: dict[int, list[DfeCall]] = {e.id: [] for e in entries}
    for some in chunked(list(calls)):
        for call in db.session.scalars(select(DfeCall).where(DfeCall.entry_id.in_(some))
                                       .order_by(DfeCall.id)):
            calls[call.entry_id].append(call)
    for entry in entries:
        _queue_one(entry, linked[entry.participant_id], calls[entry.id], at)


def _queue_one(entry: Entry, dfe_id: str, calls: list[DfeCall], at: datetime) -> None:
    live = _live(calls)
    steps = plan(Live(live.has_passed, live.declaration_date,
                      live.done_at is not None or live.started_at is not None)
                 if live else None,
                 wanted(entry.reported_outcome, entry.reported_completed_at))
    if steps.cancel:
        live.cancelled_at = at
    previous = next((c for c in reversed(calls) if c.cancelled_at is None), None)
    if steps.void:
        previous = _queue(DfeCall(
            key=f"void {live.id}", entry_id=entry.id, action="void",
            participant_id=live.participant_id, course_identifier=live.course_identifier,
            voids_id=live.id, after_id=previous.id, created_at=at, send_after=at))
    if steps.declare:
        number = 1 + sum(c.action == "declare" for c in calls)
        _queue(DfeCall(
            key=f"entry {entry.id} declaration {number}", entry_id=entry.id, action="declare",
            participant_id=dfe_id, course_identifier=NPQ_TO_COURSE[entry.npq_code],
            has_passed=steps.declare.has_passed,
            declaration_date=steps.declare.declaration_date,
            after_id=previous.id if previous else None, created_at=at, send_after=at))


def queue_for_person(person: User, at: datetime) -> None:
    """Queue the outcomes already reported for someone the DfE has just been linked to."""
    queue_for(list(db.session.scalars(select(Entry).where(
        Entry.participant_id == person.id, Entry.reported_outcome.is_not(None)))), at)


def _live(calls: list[DfeCall]) -> DfeCall | None:
    """The entry's newest declaration neither cancelled nor voided (queued voids count)."""
    voided = {c.voids_id for c in calls if c.action == "void"}
    return next((c for c in reversed(calls) if c.action == "declare"
                 and c.cancelled_at is None and c.id not in voided), None)


def _queue(call: DfeCall) -> DfeCall:
    # Two processes seeing the same change race on the key: the loser's row alone is undone.
    try:
        with savepoint():
            db.session.add(call)
            db.session.flush()
    except IntegrityError:
        return db.session.scalar(select(DfeCall).where(DfeCall.key == call.key))
    return call


def due(at: datetime, limit: int = BATCH) -> list[int]:
    """Calls whose turn has come: their wait is over, the call before them is done, and their
    window's results are out."""
    before = aliased(DfeCall)
    return list(db.session.scalars(
        select(DfeCall.id)
        .join(Entry, Entry.id == DfeCall.entry_id)
        .join(AssessmentWindow, AssessmentWindow.id == Entry.window_id)
        .outerjoin(before, before.id == DfeCall.after_id)
        .where(DfeCall.done_at.is_(None), DfeCall.cancelled_at.is_(None),
               DfeCall.send_after <= at,
               AssessmentWindow.results_recorded_at.is_not(None),
               AssessmentWindow.results_release_at <= at,
               or_(DfeCall.after_id.is_(None), before.done_at.is_not(None),
                   before.cancelled_at.is_not(None)))
        .order_by(DfeCall.id).limit(limit)))


def start(call_id: int, at: datetime) -> bool:
    """Mark the call as going (the caller commits before sending); True if an earlier try may
    have reached the DfE without its answer being recorded, so it must be looked for first."""
    call = db.session.get(DfeCall, call_id)
    in_doubt = call.started_at is not None
    call.started_at = call.started_at or at
    call.attempts += 1
    return in_doubt


def send(call_id: int, client: DfeClient, at: datetime, in_doubt: bool) -> str:
    """Make the call and record its answer: "done", "failed", or "refused" when the DfE
    refused our token (every call would fail alike, so the run stops)."""
    call = db.session.get(DfeCall, call_id)
    try:
        if call.action == "declare":
            call.dfe_declaration_id = _declare(call, client, in_doubt)
        else:
            _void(call, client, in_doubt)
    except DfeError as error:
        _failed(call, error, at)
        return "refused" if error.status == 401 else "failed"
    call.done_at, call.started_at = at, None
    call.last_error = call.last_error_at = None
    return "done"


def _declare(call: DfeCall, client: DfeClient, in_doubt: bool) -> str:
    want = Wanted(call.has_passed, call.declaration_date)
    if in_doubt:
        found = next((d for d in client.declarations(call.participant_id)
                      if same_declaration(d, call.course_identifier, want)), None)
        if found is not None:
            return found["id"]
    declared = client.declare_completed(call.participant_id, call.course_identifier,
                                        call.declaration_date, call.has_passed)
    return declared["id"]


def _void(call: DfeCall, client: DfeClient, in_doubt: bool) -> None:
    target = call.voids.dfe_declaration_id
    if in_doubt and (client.declaration(target).get("attributes") or {}).get(
            "state") in NOT_LIVE_STATES:
        return
    client.void_declaration(target)


def _failed(call: DfeCall, error: DfeError, at: datetime) -> None:
    if error.answered:  # the DfE refused it: it did nothing, so no doubt remains
        call.started_at = None
    call.last_error = str(error)[:1000]
    call.last_error_at = at
    call.send_after = at + min(timedelta(minutes=2 ** call.attempts), MAX_BACKOFF)


def failing() -> list[DfeCall]:
    """Calls whose last try failed, oldest first, for the admin's page."""
    return list(db.session.scalars(
        select(DfeCall).where(DfeCall.done_at.is_(None), DfeCall.cancelled_at.is_(None),
                              DfeCall.last_error.is_not(None)).order_by(DfeCall.id)
        .options(joinedload(DfeCall.entry).joinedload(Entry.participant),
                 joinedload(DfeCall.entry).joinedload(Entry.window))))


def _waiting():
    return select(func.count()).select_from(DfeCall).where(
        DfeCall.done_at.is_(None), DfeCall.cancelled_at.is_(None))


def waiting() -> int:
    """How many calls wait to go (queued or failing, not cancelled): the outbox's depth."""
    return db.session.scalar(_waiting())


def counts() -> dict[str, int]:
    """How many calls wait for results, wait their turn, are failing, and have gone."""
    return {
        "queued": db.session.scalar(_waiting().where(DfeCall.last_error.is_(None))),
        "failing": db.session.scalar(_waiting().where(DfeCall.last_error.is_not(None))),
        "sent": db.session.scalar(select(func.count()).select_from(DfeCall)
                                  .where(DfeCall.done_at.is_not(None))),
    }


def retry_now(call: DfeCall, at: datetime) -> None:
    """Try a failing call at the next run rather than after its wait (the caller audits)."""
    call.send_after = at


@dataclass(frozen=True)
class Compared:
    entry: Entry
    disagreement: Disagreement


def disagreements(window: AssessmentWindow, client: DfeClient) -> tuple[list[Compared], int]:
    """Where the DfE's outcomes differ from what we report, for each participant of the window
    the DfE knows (their outcomes read from the DfE, one call each); and how many agree."""
    entries = db.session.scalars(
        select(Entry).join(User, User.id == Entry.participant_id)
        .where(Entry.window_id == window.id, User.dfe_participant_id.is_not(None))
        .options(contains_eager(Entry.participant)).order_by(User.name)).all()
    differing = []
    for entry in entries:
        found = compare(entry.reported_outcome, entry.reported_completed_at,
                        NPQ_TO_COURSE[entry.npq_code],
                        client.outcomes(entry.participant.dfe_participant_id))
        if found is not None:
            differing.append(Compared(entry, found))
    return differing, len(entries) - len(differing)
