"""Checking marks before results: the second-marking sample, what each script still waits for
(a first or second mark, or a moderator's decision), and each script's final result once its
checking is complete."""

import math
import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, event, func, select, update
from sqlalchemy.orm import Session, aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Entry,
    Judgement,
    Mark,
    MarkingRole,
    Moderation,
    Outcome,
    SampleReason,
    SecondMarkingSample,
    User,
)
from . import audit
from .allocations import (
    allocate_window,
    live_allocations,
    marked_entries,
    marked_versions,
    moderator_pool,
)
from .moderation import who_may_decide


def draw_second_marking_sample(window: AssessmentWindow, at: datetime, actor: User | None = None,
                               seed: int | None = None) -> set[int]:
    """Choose scripts for blind second marking: every fail, every borderline, and a share of
    each first marker's other scripts; record them and allocate their second marking.
    Idempotent: a drawn script stays drawn, and nothing is recorded when nothing new is drawn.
    A script whose result is recorded is never drawn (it counts towards its marker's share):
    after a release, only the scripts of attempts still open then are drawn from."""
    rng = random.Random(seed)
    in_window = select(Entry.id).where(Entry.window_id == window.id)
    marks = db.session.execute(
        select(Allocation.entry_id, Allocation.marker_id, Mark.outcome, Mark.borderline,
               Entry.outcome.label("recorded"))
        .join(Mark, Mark.allocation_id == Allocation.id)
        .join(Entry, Entry.id == Allocation.entry_id)
        .where(Allocation.entry_id.in_(in_window), Allocation.role == MarkingRole.FIRST,
               Allocation.status == AllocationStatus.SUBMITTED)
        .order_by(Allocation.entry_id)
    ).all()
    allocated = set(db.session.scalars(
        live_allocations(MarkingRole.SECOND).with_only_columns(Allocation.entry_id)
        .where(Allocation.entry_id.in_(in_window))
    ))
    # Second allocations made before samples were recorded count as drawn.
    drawn = allocated | set(db.session.scalars(
        select(SecondMarkingSample.entry_id).where(SecondMarkingSample.entry_id.in_(in_window))))
    closed = {m.entry_id for m in marks if m.recorded is not None}  # too late to draw
    new: dict[int, SampleReason] = {}
    for m in marks:
        if m.entry_id not in drawn and m.entry_id not in closed \
                and (m.outcome is Outcome.FAIL or m.borderline):
            new[m.entry_id] = (SampleReason.FAIL if m.outcome is Outcome.FAIL
                               else SampleReason.BORDERLINE)
    by_marker: dict[int, list[int]] = {}
    for m in marks:
        by_marker.setdefault(m.marker_id, []).append(m.entry_id)
    for _, scripts in sorted(by_marker.items()):
        wanted = math.ceil(len(scripts) * window.second_marking_percent / 100)
        have = [s for s in scripts if s in drawn or s in new]
        others = sorted(s for s in scripts if s not in have and s not in closed)
        for entry_id in rng.sample(others, max(0, min(len(others), wanted - len(have)))):
            new[entry_id] = SampleReason.SHARE
    for entry_id, reason in new.items():
        db.session.add(SecondMarkingSample(entry_id=entry_id, reason=reason, drawn_at=at))
    if new:
        reasons = {r.value: sum(v is r for v in new.values()) for r in SampleReason}
        audit.record("second_marking.sample_drawn", actor=actor, window_id=window.id,
                     drawn=len(new), **reasons)
    sample = drawn | set(new)
    if sample - allocated:
        allocate_window(window, at, actor, MarkingRole.SECOND, sample - allocated)
    return sample


def first_marking_complete(window: AssessmentWindow, at: datetime) -> bool:
    """Every script whose deadline has passed has a submitted first mark."""
    versions = marked_versions(window, at)
    done = set(db.session.scalars(
        select(Allocation.entry_id)
        .where(Allocation.entry_id.in_(versions.keys()), Allocation.role == MarkingRole.FIRST,
               Allocation.status == AllocationStatus.SUBMITTED)
    ))
    return bool(versions) and done >= versions.keys()


def sample_when_first_marking_done(window: AssessmentWindow, at: datetime) -> set[int] | None:
    """The scheduler's duty: draw the sample by itself once first marking is complete."""
    if not first_marking_complete(window, at):
        return None
    return draw_second_marking_sample(window, at)


@dataclass(frozen=True)
class FinalResult:
    outcome: Outcome
    rubric_version: str
    judgements: list[Judgement]
    feedback: str


NOT_ALLOCATED = "not yet allocated"
NO_MODERATOR = "no eligible moderator"


def needs_second(sampled: bool, second_allocated: bool, first_outcome: Outcome | None,
                 first_borderline: bool) -> bool:
    """Every fail and borderline script, and every one drawn or allocated for second marking."""
    return (sampled or second_allocated or first_outcome is Outcome.FAIL
            or bool(first_borderline))


def settled_by(case: bool, case_decided: bool, first_marked: bool, second_needed: bool,
               second_marked: bool) -> str | None:
    """Whose judgement is a script's result: "case" (the moderator's decision), "first" (the
    first mark, once any second mark it needs is in and agrees), or None while checking is
    unfinished. A fail or borderline first mark is never final without a second mark."""
    if case:
        return "case" if case_decided else None
    if not first_marked or (second_needed and not second_marked):
        return None
    return "first"


@dataclass
class _Checking:
    """The live allocations, moderation cases and sample of a set of scripts."""

    first: dict[int, Allocation]
    second: dict[int, Allocation]
    cases: dict[int, Moderation]
    sampled: set[int]

    def first_mark(self, entry_id: int) -> Mark | None:
        a = self.first.get(entry_id)
        return a.mark if a is not None and a.status is AllocationStatus.SUBMITTED else None

    def second_mark(self, entry_id: int) -> Mark | None:
        a = self.second.get(entry_id)
        return a.mark if a is not None and a.status is AllocationStatus.SUBMITTED else None

    def needs_second(self, entry_id: int) -> bool:
        first = self.first_mark(entry_id)
        return needs_second(entry_id in self.sampled, entry_id in self.second,
                            first.outcome if first else None, first.borderline if first else False)

    def markers(self, entry_id: int) -> set[int]:
        return {a.marker_id for a in (self.first.get(entry_id), self.second.get(entry_id)) if a}


def entries_checking(entry_ids) -> _Checking:
    entry_ids = list(entry_ids)
    live = db.session.scalars(
        select(Allocation).where(Allocation.entry_id.in_(entry_ids),
                                 Allocation.status != AllocationStatus.RETURNED)
        .options(selectinload(Allocation.mark).selectinload(Mark.judgements),
                 selectinload(Allocation.marker))
    ).all()
    cases = {c.entry_id: c for c in db.session.scalars(
        select(Moderation).where(Moderation.entry_id.in_(entry_ids))
        .options(selectinload(Moderation.judgements)))}
    sampled = set(db.session.scalars(
        select(SecondMarkingSample.entry_id).where(SecondMarkingSample.entry_id.in_(entry_ids))))
    return _Checking(first={a.entry_id: a for a in live if a.role is MarkingRole.FIRST},
                     second={a.entry_id: a for a in live if a.role is MarkingRole.SECOND},
                     cases=cases, sampled=sampled)


def window_checking(window: AssessmentWindow, judgements: bool = True) -> _Checking:
    """entries_checking for every script of a window in a fixed number of statements whatever its
    size (joins on the window, not lists of ids), for the exports and the marking page.
    Criterion judgements come in one statement of their own and are attached to their marks and
    cases (a join would repeat every allocation once per criterion); without `judgements` they
    are left unloaded, for checking, which needs only outcomes."""
    live = db.session.scalars(
        select(Allocation).join(Entry, Entry.id == Allocation.entry_id)
        .where(Entry.window_id == window.id, Allocation.status != AllocationStatus.RETURNED)
        .options(joinedload(Allocation.mark), joinedload(Allocation.marker))
    ).all()
    cases = {c.entry_id: c for c in db.session.scalars(
        select(Moderation).join(Entry, Entry.id == Moderation.entry_id)
        .where(Entry.window_id == window.id).options(joinedload(Moderation.moderator)))}
    if judgements:
        owned: dict[tuple[str, int], list[Judgement]] = {}
        for j in db.session.scalars(
            select(Judgement)
            .outerjoin(Mark, Mark.id == Judgement.mark_id)
            .outerjoin(Allocation, Allocation.id == Mark.allocation_id)
            .outerjoin(Moderation, Moderation.id == Judgement.moderation_id)
            .join(Entry, Entry.id == func.coalesce(Allocation.entry_id, Moderation.entry_id))
            .where(Entry.window_id == window.id).order_by(Judgement.id)
        ):
            key = ("mark", j.mark_id) if j.mark_id else ("case", j.moderation_id)
            owned.setdefault(key, []).append(j)
        for a in live:
            if a.mark is not None:
                set_committed_value(a.mark, "judgements", owned.get(("mark", a.mark.id), []))
        for case in cases.values():
            set_committed_value(case, "judgements", owned.get(("case", case.id), []))
    sampled = set(db.session.scalars(
        select(SecondMarkingSample.entry_id).join(Entry, Entry.id == SecondMarkingSample.entry_id)
        .where(Entry.window_id == window.id)))
    return _Checking(first={a.entry_id: a for a in live if a.role is MarkingRole.FIRST},
                     second={a.entry_id: a for a in live if a.role is MarkingRole.SECOND},
                     cases=cases, sampled=sampled)


def final_results(entry_ids, checking: _Checking | None = None) -> dict[int, FinalResult]:
    """The results participants will see (settled_by), for many entries in a fixed number of
    queries. Entries whose checking is unfinished are absent."""
    entry_ids = list(entry_ids)
    checking = entries_checking(entry_ids) if checking is None else checking
    results = {}
    for entry_id in entry_ids:
        case, mark = checking.cases.get(entry_id), checking.first_mark(entry_id)
        by = settled_by(case is not None, case is not None and case.decided_at is not None,
                        mark is not None, mark is not None and checking.needs_second(entry_id),
                        checking.second_mark(entry_id) is not None)
        if by == "case":
            results[entry_id] = FinalResult(case.outcome, case.rubric_version,
                                            case.judgements, case.feedback)
        elif by == "first":
            results[entry_id] = FinalResult(mark.outcome, mark.rubric_version, mark.judgements,
                                            mark.feedback)
    return results


def final_result(entry: Entry) -> FinalResult | None:
    return final_results([entry.id]).get(entry.id)


@dataclass(frozen=True)
class Outstanding:
    """A script whose checking is unfinished: the stage it waits for and who has it."""

    candidate_number: str
    stage: str  # first marking, second marking or moderation
    holder: str  # names (admins only see these), NOT_ALLOCATED or NO_MODERATOR
    case_id: int | None = None
    # Set for a script not allocated: where the admin sees why, and assigns a marker.
    entry_id: int | None = None
    role: MarkingRole | None = None

    def __str__(self) -> str:
        return f"{self.candidate_number} ({self.stage}: {self.holder})"


def _checking_state(entries):
    """`entries` (a query of Entry), each with its live first and second allocations and its
    case, and the condition that its checking is unfinished: final_results' rule (an
    undecided case; else no first mark; else a second mark needs_second asks for and is not
    in), said in SQL so a page counts and lists them without reading the whole window."""
    first, second, first_mark = aliased(Allocation), aliased(Allocation), aliased(Mark)

    def live(allocation, role):
        return ((allocation.entry_id == Entry.id) & (allocation.role == role)
                & (allocation.status != AllocationStatus.RETURNED))

    first_missing = first.id.is_(None) | (first.status != AllocationStatus.SUBMITTED)
    second_missing = second.id.is_(None) | (second.status != AllocationStatus.SUBMITTED)
    second_needed = (SecondMarkingSample.entry_id.is_not(None) | second.id.is_not(None)
                     | (first_mark.outcome == Outcome.FAIL) | first_mark.borderline.is_(True))
    unfinished = ((Moderation.id.is_not(None) & Moderation.decided_at.is_(None))
                  | (Moderation.id.is_(None)
                     & (first_missing | (second_needed & second_missing))))
    query = (
        entries.add_columns(first, second, Moderation)
        .outerjoin(first, live(first, MarkingRole.FIRST))
        .outerjoin(first_mark, first_mark.allocation_id == first.id)
        .outerjoin(second, live(second, MarkingRole.SECOND))
        .outerjoin(Moderation, Moderation.entry_id == Entry.id)
        .outerjoin(SecondMarkingSample, SecondMarkingSample.entry_id == Entry.id)
    )
    return query, unfinished, first, second


def keep_checking_open(connection, entry_ids) -> None:
    """Record in each entry's checking_open whether its checking is unfinished by the rule
    (_checking_state), for the marking page's count: two statements. Called after every flush
    that changes an allocation, a case or the sample (_entries_touched), and after a bulk load."""
    entry_ids = sorted(entry_ids)
    query, unfinished, _, _ = _checking_state(select(Entry).where(Entry.id.in_(entry_ids)))
    still_open = set(connection.scalars(query.with_only_columns(Entry.id).where(unfinished)))
    connection.execute(update(Entry.__table__).where(Entry.__table__.c.id.in_(entry_ids))
                       .values(checking_open=Entry.__table__.c.id.in_(still_open)))


_TOUCHING = (Allocation, Moderation, SecondMarkingSample)


@event.listens_for(Session, "before_flush")
def _entries_deleted(session, _context, _instances):
    # Read before the flush: a deleted case's columns cannot be loaded after it.
    session.info["checking_deleted"] = {o.entry_id for o in session.deleted
                                        if isinstance(o, _TOUCHING)}


@event.listens_for(Session, "after_flush")
def _entries_touched(session, _context):
    touched = session.info.pop("checking_deleted", set()) | {
        o.entry_id for o in (*session.new, *session.dirty) if isinstance(o, _TOUCHING)}
    if touched:
        keep_checking_open(session.connection(), touched)


@event.listens_for(Session, "do_orm_execute")
def _entries_updated(state):
    """An UPDATE or DELETE of these rows sent through the session (not a flush): the entries
    it matches are found first, and kept after it."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return None
    model = state.bind_mapper.class_
    if model not in (*_TOUCHING, Mark):
        return None
    matched = (select(Allocation.entry_id).join(Mark, Mark.allocation_id == Allocation.id)
               if model is Mark else select(model.entry_id))
    if state.statement.whereclause is not None:
        matched = matched.where(state.statement.whereclause)
    connection = state.session.connection()
    touched = set(connection.scalars(matched))
    result = state.invoke_statement()
    if touched:
        keep_checking_open(connection, touched)
    return result


def checking_counts(window: AssessmentWindow, at: datetime) -> tuple[int, int]:
    """How many of the window's scripts are marked (their deadline passed), and how many of
    them are still being checked (kept in checking_open as they change): one statement, no
    allocation read."""
    return tuple(db.session.execute(marked_entries(window, at).with_only_columns(
        func.count(), func.count(case((Entry.checking_open.is_(True), 1))))).one())


def outstanding_checks(window: AssessmentWindow, at: datetime, limit: int | None = None,
                       moderation_only: bool = False, kept: bool = False) -> list[Outstanding]:
    """Every script whose deadline has passed and whose result is not final (the first `limit`,
    or only those waiting for moderation), by candidate number, in a fixed number of queries."""
    query, unfinished, first, second = _checking_state(marked_entries(window, at))
    query = query.where(unfinished)
    if kept:  # a page's list: only the entries kept as open are looked at (release asks all)
        query = query.where(Entry.checking_open.is_(True))
    if moderation_only:
        query = query.where(Moderation.id.is_not(None))
    rows = db.session.execute(
        query.options(joinedload(Entry.participant), joinedload(first.marker),
                      joinedload(second.marker))
        .order_by(Entry.candidate_number).limit(limit)).all()
    moderators = moderator_pool() if any(dispute for *_, dispute in rows) else []
    out = []
    for entry, first_allocation, second_allocation, dispute in rows:
        number = entry.candidate_number
        if dispute is not None:
            markers = {a.marker_id for a in (first_allocation, second_allocation) if a}
            names = [u.name for u in who_may_decide(dispute, entry, markers, moderators)]
            out.append(Outstanding(number, "moderation", ", ".join(names) or NO_MODERATOR,
                                   dispute.id))
            continue
        second_stage = (first_allocation is not None
                        and first_allocation.status is AllocationStatus.SUBMITTED)
        stage, role, allocation = (("second marking", MarkingRole.SECOND, second_allocation)
                                   if second_stage else
                                   ("first marking", MarkingRole.FIRST, first_allocation))
        out.append(Outstanding(number, stage, allocation.marker.name) if allocation
                   else Outstanding(number, stage, NOT_ALLOCATED, entry_id=entry.id, role=role))
    return out


def refusal(outstanding: list[Outstanding], listed: int = 20) -> str:
    """Why results cannot be released yet, naming the scripts and who has them."""
    n = len(outstanding)
    text = (f"{n} script{'s' if n != 1 else ''} still need{'' if n != 1 else 's'} marking, "
            "second marking or moderation: " + "; ".join(str(o) for o in outstanding[:listed]))
    if n > listed:
        text += f"; and {n - listed} more (see the marking page)"
    return text + "."
