"""Allocating scripts, taking marks, second marking, moderation, and final results.

Rules that need no database (the allocation algorithm, rubric pass rules) live in
allocation.py and rubrics.py; this module maps rows to them and records what happens.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .. import allocation as allocating
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Entry,
    Judgement,
    Mark,
    MarkerProfile,
    MarkingRole,
    Moderation,
    Outcome,
    Role,
    SampleReason,
    SecondMarkingSample,
    SubmissionVersion,
    User,
)
from ..rubrics import Rubric
from . import audit, misconduct, notifications, standardisation
from .marking_error import MarkingError
from .rubric_store import rubric_for

# Criterion levels may differ by this many steps between two markers before moderation.
LEVEL_TOLERANCE = 1


# Scripts and allocation -------------------------------------------------------------


def marked_versions(window: AssessmentWindow, at: datetime) -> dict[int, SubmissionVersion]:
    """Each entry's marked version (its last, all being in time), once its own deadline has passed."""
    newest = (
        select(SubmissionVersion.entry_id, func.max(SubmissionVersion.number).label("number"))
        .join(Entry, Entry.id == SubmissionVersion.entry_id)
        # Voided and deferred attempts are never marked.
        .where(Entry.window_id == window.id,
               Entry.outcome.is_(None) | Entry.outcome.in_(["passed", "failed"]))
        .group_by(SubmissionVersion.entry_id)
        .subquery()
    )
    versions = db.session.scalars(
        select(SubmissionVersion)
        .join(newest, (SubmissionVersion.entry_id == newest.c.entry_id)
              & (SubmissionVersion.number == newest.c.number))
        # Joined, not IN lists: one statement however many scripts the window has.
        .options(joinedload(SubmissionVersion.entry).joinedload(Entry.participant),
                 joinedload(SubmissionVersion.entry).joinedload(Entry.window))
    )
    return {v.entry_id: v for v in versions if not v.entry.is_in_time(at)}


def _live(role: MarkingRole):
    return select(Allocation).where(
        Allocation.role == role, Allocation.status != AllocationStatus.RETURNED
    )


def _marker_pool(window: AssessmentWindow, npqs: set[str]) -> list[allocating.Marker]:
    load = dict(db.session.execute(
        select(Allocation.marker_id, func.count(Allocation.id))
        .join(Entry, Entry.id == Allocation.entry_id)
        .where(Entry.window_id == window.id, Allocation.status != AllocationStatus.RETURNED)
        .group_by(Allocation.marker_id)
    ).all())
    profiles = db.session.scalars(
        select(MarkerProfile).join(User).where(User.active.is_(True))
        .options(selectinload(MarkerProfile.user))
    )
    # Markers not (or no longer) cleared by standardisation for an NPQ get none of its scripts.
    barred = standardisation.barred_npqs(window)
    return [
        allocating.Marker(
            id=p.user_id, npqs=p.npqs - barred.get(p.user_id, set()), capacity=p.capacity,
            share=p.share,
            delivery_partner=p.user.delivery_partner, school=p.user.school,
            current_load=load.get(p.user_id, 0),
        )
        for p in profiles if p.npqs & npqs
    ]


def _first_attempt_markers(entries: list[Entry]) -> dict[int, frozenset[int]]:
    """For each entry, the first markers of the same participant's earlier attempts at that NPQ."""
    participant_ids = {e.participant_id for e in entries}
    rows = db.session.execute(
        select(Entry.participant_id, Entry.npq_code, Entry.id, Allocation.marker_id)
        .join(Allocation, Allocation.entry_id == Entry.id)
        .where(Entry.participant_id.in_(participant_ids), Allocation.role == MarkingRole.FIRST)
    ).all()
    excluded: dict[int, frozenset[int]] = {}
    for entry in entries:
        excluded[entry.id] = frozenset(
            r.marker_id for r in rows
            if r.participant_id == entry.participant_id and r.npq_code == entry.npq_code
            and r.id != entry.id
        )
    return excluded


def _moderators() -> list[tuple[User, allocating.Moderator]]:
    """Active moderators, with the NPQs their profile qualifies them for (none without one)."""
    rows = db.session.execute(
        select(User, MarkerProfile.npq_codes)
        .outerjoin(MarkerProfile, MarkerProfile.user_id == User.id)
        .where(User.role == Role.MODERATOR, User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()
    return [(user, allocating.Moderator(id=user.id, npqs=frozenset((codes or "").split()),
                                        delivery_partner=user.delivery_partner, school=user.school))
            for user, codes in rows]


def _moderation_script(entry: Entry, marker_ids) -> allocating.Script:
    return allocating.Script(id=entry.id, npq=entry.npq_code,
                             delivery_partner=entry.participant.delivery_partner,
                             school=entry.participant.school,
                             excluded_markers=frozenset(m for m in marker_ids if m is not None))


def _only_moderator_exclusions(entries: list[Entry]) -> dict[int, frozenset]:
    """For second marking: the one moderator who could decide each script is kept off it."""
    first = dict(db.session.execute(
        _live(MarkingRole.FIRST).with_only_columns(Allocation.entry_id, Allocation.marker_id)
        .where(Allocation.entry_id.in_([e.id for e in entries]))
    ).all())
    moderators = [m for _, m in _moderators()]
    out = {}
    for entry in entries:
        held_back = allocating.only_possible_moderator(
            _moderation_script(entry, [first.get(entry.id)]), moderators)
        out[entry.id] = frozenset() if held_back is None else frozenset({held_back})
    return out


def windows_in_marking(at: datetime) -> list[AssessmentWindow]:
    """Closed windows with results still to record: every one before its release, and after it
    those with an attempt still open (an extension) or unmarked, whose script may still need
    allocating, sampling and recording."""
    open_attempt = (select(Entry.id)
                    .where(Entry.window_id == AssessmentWindow.id, Entry.entered.is_(True),
                           Entry.outcome.is_(None))
                    .exists())
    return list(db.session.scalars(
        select(AssessmentWindow).where(
            AssessmentWindow.closes_at <= at,
            AssessmentWindow.results_recorded_at.is_(None) | open_attempt)
    ))


def allocate_window(window: AssessmentWindow, at: datetime, actor: User | None = None,
                    role: MarkingRole = MarkingRole.FIRST,
                    entry_ids: set[int] | None = None) -> allocating.AllocationResult:
    """Give every closed, unallocated script (or those in entry_ids) a marker for `role`. Idempotent."""
    versions = marked_versions(window, at)
    if entry_ids is not None:
        versions = {k: v for k, v in versions.items() if k in entry_ids}
    taken = set(db.session.scalars(
        _live(role).with_only_columns(Allocation.entry_id)
        .where(Allocation.entry_id.in_(versions.keys()))
    ))
    todo = [v for k, v in versions.items() if k not in taken]
    if not todo:
        return allocating.allocate([], [])
    entries = [v.entry for v in todo]
    excluded = _first_attempt_markers(entries)
    # Never the same marker twice for one script, and never anyone who handed it back.
    previous = db.session.execute(
        select(Allocation.entry_id, Allocation.marker_id)
        .where(Allocation.entry_id.in_([e.id for e in entries]))
    ).all()
    for entry_id, marker_id in previous:
        excluded[entry_id] = excluded[entry_id] | {marker_id}
    if role is MarkingRole.SECOND:
        for entry_id, held_back in _only_moderator_exclusions(entries).items():
            excluded[entry_id] = excluded[entry_id] | held_back
    scripts = [
        allocating.Script(id=e.id, npq=e.npq_code, delivery_partner=e.participant.delivery_partner,
                          school=e.participant.school, excluded_markers=excluded[e.id])
        for e in entries
    ]
    result = allocating.allocate(scripts, _marker_pool(window, {e.npq_code for e in entries}))
    by_entry = {v.entry_id: v for v in todo}
    for entry_id, marker_id in result.assignments.items():
        db.session.add(Allocation(entry_id=entry_id, version_id=by_entry[entry_id].id,
                                  marker_id=marker_id, role=role, allocated_at=at))
    seeded = {}
    if role is MarkingRole.FIRST and result.assignments:
        db.session.flush()
        seeded = standardisation.seed_queues(window, at)
    # The scheduler retries every minute: record only what changed, or what an admin asked for.
    if result.assignments or actor is not None:
        # Seeds count among the new scripts, as the marker's queue shows them.
        notifications.scripts_allocated(result.assignments | seeded, window, at)
        audit.record("scripts.allocated", actor=actor, window_id=window.id, role=role.value,
                     allocated=len(result.assignments), unallocated=len(result.unallocated))
    db.session.commit()
    return result


def return_to_pool(allocation: Allocation, reason: str, actor: User, at: datetime) -> Allocation | None:
    """Take a script back from its marker and offer it to another; returns the new allocation.
    A seed is withdrawn instead, never returned to the pool (the marker sees no difference)."""
    if allocation.status is not AllocationStatus.ALLOCATED:
        raise MarkingError("Only a script that has not been submitted can be returned.")
    if not reason.strip():
        raise MarkingError("Give a reason for returning the script.")
    if allocation.entry_id is None:
        standardisation.withdraw_seed(allocation, reason, actor, at)
        return None
    allocation.status = AllocationStatus.RETURNED
    allocation.returned_at, allocation.return_reason = at, reason.strip()
    audit.record("allocation.returned", actor=actor, window_id=allocation.entry.window_id,
                 allocation=allocation.id, reason=reason.strip())
    db.session.commit()
    allocate_window(allocation.entry.window, at, actor, allocation.role, {allocation.entry_id})
    return db.session.scalar(_live(allocation.role).where(Allocation.entry_id == allocation.entry_id))


def reassign(allocation: Allocation, marker: User, actor: User, at: datetime) -> Allocation:
    """An admin moves an unmarked script to a named marker (the same hard rules apply)."""
    if allocation.entry_id is None:
        raise MarkingError("A seeded script belongs to its marker's standardisation: it cannot "
                           "be moved.")
    if allocation.status is not AllocationStatus.ALLOCATED:
        raise MarkingError("Only a script that has not been submitted can be moved.")
    entry = allocation.entry
    pool = {m.id: m for m in _marker_pool(entry.window, {entry.npq_code})}
    candidate = pool.get(marker.id)
    excluded = _first_attempt_markers([entry])[entry.id] | {allocation.marker_id}
    if allocation.role is MarkingRole.SECOND:
        excluded |= _only_moderator_exclusions([entry])[entry.id]
    script = allocating.Script(
        id=entry.id, npq=entry.npq_code, delivery_partner=entry.participant.delivery_partner,
        school=entry.participant.school, excluded_markers=excluded,
    )
    if candidate is None or not allocating.can_mark(candidate, script):
        raise MarkingError(f"{marker.name} cannot mark this script (not qualified, at capacity, "
                           "a conflict of interest, or the only moderator who could decide it).")
    allocation.status = AllocationStatus.RETURNED
    allocation.returned_at, allocation.return_reason = at, f"moved by {actor.name}"
    db.session.flush()
    moved = Allocation(entry_id=entry.id, version_id=allocation.version_id, marker_id=marker.id,
                       role=allocation.role, allocated_at=at)
    db.session.add(moved)
    audit.record("allocation.moved", actor=actor, window_id=entry.window_id,
                 before=allocation.marker_id, after=marker.id, role=allocation.role.value)
    db.session.commit()
    return moved


# Marks --------------------------------------------------------------------------------


@dataclass
class MarkInput:
    levels: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    feedback: str = ""


def save_mark(allocation: Allocation, data: MarkInput, at: datetime, *, submit: bool) -> Mark:
    """Save a draft mark, or submit it: the outcome comes from the rubric's rule, never typed."""
    if allocation.status is not AllocationStatus.ALLOCATED:
        raise MarkingError("This mark has already been submitted.")
    rubric = rubric_for(allocation.npq_code)
    mark = allocation.mark or Mark(allocation=allocation, rubric_version=rubric.version)
    db.session.add(mark)
    mark.rubric_version, mark.feedback, mark.saved_at = rubric.version, data.feedback, at
    set_judgements(mark.judgements, rubric, data, lambda j: mark.judgements.append(j))
    if submit:
        levels = complete_levels(rubric, data)
        mark.outcome = Outcome(rubric.outcome(levels))
        mark.borderline = rubric.is_borderline(levels)
        mark.submitted_at = at
        allocation.status = AllocationStatus.SUBMITTED
        audit.record("mark.submitted", actor=allocation.marker, window_id=allocation.window.id,
                     allocation=allocation.id, role=allocation.role.value, outcome=mark.outcome.value,
                     rubric_version=rubric.version)
        db.session.flush()
        if allocation.seed is not None:
            standardisation.check_seed(allocation, mark, at)
        elif allocation.role is MarkingRole.SECOND:
            compare_marks(allocation.entry, at)
    db.session.commit()
    return mark


def set_judgements(existing: list, rubric: Rubric, data: MarkInput, add,
                    make=Judgement) -> None:
    """Set each criterion's level and comment, adding a `make` row where one is missing."""
    by_criterion = {j.criterion_id: j for j in existing}
    for criterion in rubric.criteria:
        level = data.levels.get(criterion.id) or None
        if level is not None and level not in {lv.id for lv in rubric.levels}:
            raise MarkingError(f"Choose a level for “{criterion.title}”.")
        judgement = by_criterion.get(criterion.id)
        if judgement is None:
            judgement = make(criterion_id=criterion.id)
            add(judgement)
        judgement.level_id = level
        judgement.comment = data.comments.get(criterion.id, "").strip()


def checked_levels(rubric: Rubric, data: MarkInput) -> dict[str, str]:
    """A level of the rubric for every criterion (say, a definitive script's agreed levels)."""
    levels = {lv.id for lv in rubric.levels}
    for criterion in rubric.criteria:
        if data.levels.get(criterion.id) and data.levels[criterion.id] not in levels:
            raise MarkingError(f"Choose a level for “{criterion.title}”.")
    return complete_levels(rubric, data)


def complete_levels(rubric: Rubric, data: MarkInput) -> dict[str, str]:
    missing = [c.title for c in rubric.criteria if not data.levels.get(c.id)]
    if missing:
        raise MarkingError("Choose a level for every criterion: " + "; ".join(missing) + ".")
    return {c.id: data.levels[c.id] for c in rubric.criteria}


# Second marking and moderation ---------------------------------------------------------


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
        _live(MarkingRole.SECOND).with_only_columns(Allocation.entry_id)
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
    db.session.commit()
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


def disagreement(rubric: Rubric, first: Mark, second: Mark) -> str | None:
    """Why two marks need a moderator, or None if they agree within tolerance."""
    reasons = []
    if first.outcome is not second.outcome:
        reasons.append(f"outcomes differ ({first.outcome.value} and {second.outcome.value})")
    a, b = first.levels(), second.levels()
    for criterion in rubric.criteria:
        gap = abs(rubric.level_index(a[criterion.id]) - rubric.level_index(b[criterion.id]))
        if gap > LEVEL_TOLERANCE:
            reasons.append(f"“{criterion.title}” differs by {gap} levels")
    return "; ".join(reasons) or None


def submitted_mark(entry_id: int, role: MarkingRole) -> Mark | None:
    return db.session.scalar(
        select(Mark).join(Allocation)
        .where(Allocation.entry_id == entry_id, Allocation.role == role,
               Allocation.status == AllocationStatus.SUBMITTED)
    )


def compare_marks(entry: Entry, at: datetime) -> Moderation | None:
    first, second = submitted_mark(entry.id, MarkingRole.FIRST), submitted_mark(entry.id, MarkingRole.SECOND)
    if first is None or second is None:
        return None
    why = disagreement(rubric_for(entry.npq_code), first, second)
    if why is None:
        return None
    case = db.session.scalar(select(Moderation).where(Moderation.entry_id == entry.id))
    if case is None:
        case = Moderation(entry_id=entry.id, why=why, opened_at=at)
        db.session.add(case)
        audit.record("moderation.opened", window_id=entry.window_id, entry=entry.id, why=why)
    return case


def _deciders(case: Moderation, entry: Entry, marker_ids,
              moderators: list[tuple[User, allocating.Moderator]]) -> list[User]:
    """Who may decide the case: the moderator an admin assigned it to (while still free of
    conflicts and active), else every eligible moderator."""
    script = _moderation_script(entry, marker_ids)
    if case.assigned_moderator_id is not None:
        return [u for u, m in moderators
                if u.id == case.assigned_moderator_id and not allocating.conflicts(m, script)]
    return [u for u, m in moderators if allocating.may_moderate(m, script)]


def _markers_of(entry_ids) -> dict[int, set[int]]:
    """The first and second markers of each script (live allocations)."""
    out: dict[int, set[int]] = {}
    for entry_id, marker_id in db.session.execute(
        select(Allocation.entry_id, Allocation.marker_id)
        .where(Allocation.entry_id.in_(list(entry_ids)),
               Allocation.status != AllocationStatus.RETURNED)
    ):
        out.setdefault(entry_id, set()).add(marker_id)
    return out


def may_decide(case: Moderation, user: User) -> bool:
    """True if this moderator may decide the case now (admins may decide any case)."""
    if case.decided_at is not None:
        return False
    deciders = _deciders(case, case.entry, _markers_of([case.entry_id]).get(case.entry_id, ()),
                         _moderators())
    return any(u.id == user.id for u in deciders)


def cases_for_moderator(user: User) -> list[Moderation]:
    """The undecided cases this moderator may decide, oldest first."""
    cases = db.session.scalars(
        select(Moderation).where(Moderation.decided_at.is_(None)).order_by(Moderation.opened_at)
        .options(selectinload(Moderation.entry).selectinload(Entry.participant))
    ).all()
    markers, moderators = _markers_of(c.entry_id for c in cases), _moderators()
    return [c for c in cases
            if any(u.id == user.id for u in _deciders(c, c.entry, markers.get(c.entry_id, ()),
                                                        moderators))]


def assign_moderator(case: Moderation, moderator: User, actor: User, at: datetime) -> Moderation:
    """An admin gives a case to a named moderator, who alone may then decide it. Their choice
    stands in for the NPQ in the moderator's profile; the other rules still apply."""
    if case.decided_at is not None:
        raise MarkingError("This script has already been moderated.")
    pool = dict((u.id, m) for u, m in _moderators())
    markers = _markers_of([case.entry_id]).get(case.entry_id, set())
    if moderator.id not in pool:
        raise MarkingError(f"{moderator.name} is not an active moderator.")
    if moderator.id in markers:
        raise MarkingError(f"{moderator.name} marked this script, so cannot decide it.")
    if allocating.conflicts(pool[moderator.id], _moderation_script(case.entry, markers)):
        raise MarkingError(f"{moderator.name} shares a delivery partner or school with the "
                           "participant, so cannot decide this script.")
    case.assigned_moderator_id = moderator.id
    audit.record("moderation.assigned", actor=actor, window_id=case.entry.window_id,
                 entry=case.entry_id, moderator=moderator.id)
    notifications.moderation_assigned(moderator, case, at)
    db.session.commit()
    return case


def moderate(case: Moderation, moderator: User, data: MarkInput, reason: str, at: datetime) -> Moderation:
    """The final mark, by an eligible moderator or an admin: levels for every criterion,
    feedback, and a reason."""
    if case.decided_at is not None:
        raise MarkingError("This script has already been moderated.")
    if not reason.strip():
        raise MarkingError("Give the reason for your decision.")
    markers = {m.allocation.marker_id for m in (submitted_mark(case.entry_id, MarkingRole.FIRST),
                                                 submitted_mark(case.entry_id, MarkingRole.SECOND)) if m}
    if moderator.id in markers:
        raise MarkingError("You marked this script, so another moderator must decide it.")
    by_admin = moderator.role is Role.ADMIN
    if not by_admin and not may_decide(case, moderator):
        raise MarkingError("You cannot decide this script: it is for another moderator.")
    rubric = rubric_for(case.entry.npq_code)
    set_judgements(case.judgements, rubric, data, lambda j: case.judgements.append(j))
    levels = complete_levels(rubric, data)
    case.outcome = Outcome(rubric.outcome(levels))
    case.rubric_version, case.feedback, case.reason = rubric.version, data.feedback, reason.strip()
    case.moderator_id, case.decided_at = moderator.id, at
    audit.record("moderation.decided_by_admin" if by_admin else "moderation.decided",
                 actor=moderator, window_id=case.entry.window_id,
                 entry=case.entry_id, outcome=case.outcome.value, reason=case.reason)
    db.session.commit()
    return case


# Results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinalResult:
    outcome: Outcome
    rubric_version: str
    judgements: list[Judgement]
    feedback: str


NOT_ALLOCATED = "not yet allocated"
NO_MODERATOR = "no eligible moderator"


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
        """Every fail and borderline script, and every one drawn or allocated for second marking."""
        first = self.first_mark(entry_id)
        return (entry_id in self.sampled or entry_id in self.second
                or (first is not None and (first.outcome is Outcome.FAIL or first.borderline)))

    def markers(self, entry_id: int) -> set[int]:
        return {a.marker_id for a in (self.first.get(entry_id), self.second.get(entry_id)) if a}


def _checking(entry_ids) -> _Checking:
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
    """_checking for every script of a window in a fixed number of statements whatever its
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
    """The results participants will see, for many entries in a fixed number of queries: the
    moderator's decision, else the first mark, once any second mark it needs is in and agrees.
    A fail or borderline first mark is never final without a second mark. Entries whose
    checking is unfinished are absent."""
    entry_ids = list(entry_ids)
    checking = _checking(entry_ids) if checking is None else checking
    results = {}
    for entry_id in entry_ids:
        case = checking.cases.get(entry_id)
        if case is not None:
            if case.decided_at is not None:
                results[entry_id] = FinalResult(case.outcome, case.rubric_version,
                                                case.judgements, case.feedback)
            continue
        mark = checking.first_mark(entry_id)
        if mark is None:
            continue
        if checking.needs_second(entry_id) and checking.second_mark(entry_id) is None:
            continue
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

    def __str__(self) -> str:
        return f"{self.candidate_number} ({self.stage}: {self.holder})"


def outstanding_checks(window: AssessmentWindow, at: datetime) -> list[Outstanding]:
    """Every script whose deadline has passed and whose result is not final, by candidate
    number, in a fixed number of queries."""
    versions = marked_versions(window, at)
    checking, moderators = window_checking(window, judgements=False), _moderators()
    out = []
    for version in sorted(versions.values(), key=lambda v: v.entry.candidate_number):
        entry_id, number = version.entry_id, version.entry.candidate_number
        case = checking.cases.get(entry_id)
        if case is not None:
            if case.decided_at is None:
                names = [u.name for u in _deciders(case, version.entry, checking.markers(entry_id),
                                                   moderators)]
                out.append(Outstanding(number, "moderation", ", ".join(names) or NO_MODERATOR,
                                       case.id))
            continue
        for stage, allocation, mark in (
            ("first marking", checking.first.get(entry_id), checking.first_mark(entry_id)),
            ("second marking", checking.second.get(entry_id), checking.second_mark(entry_id)),
        ):
            if mark is None:
                out.append(Outstanding(number, stage, allocation.marker.name if allocation
                                       else NOT_ALLOCATED))
                break
            if not checking.needs_second(entry_id):
                break
    return out


def refusal(outstanding: list[Outstanding], listed: int = 20) -> str:
    """Why results cannot be released yet, naming the scripts and who has them."""
    n = len(outstanding)
    text = (f"{n} script{'s' if n != 1 else ''} still need{'' if n != 1 else 's'} marking, "
            "second marking or moderation: " + "; ".join(str(o) for o in outstanding[:listed]))
    if n > listed:
        text += f"; and {n - listed} more (see the marking page)"
    return text + "."


def result_visible(entry: Entry, at: datetime) -> bool:
    """A participant sees their result once it is recorded for them, or from the release minute
    if the window's checking is complete (the scheduler records it within the minute; a release
    it must hold is never shown). After the window's release, an attempt that was still open or
    unmarked shows nothing until its own result is recorded (record_results)."""
    window = entry.window
    if window.results_recorded_at is not None:
        return entry.outcome is not None
    return window.results_released(at) and not outstanding_checks(window, at)


def release_results(window: AssessmentWindow, when: datetime, actor: User, at: datetime) -> None:
    """Release now or schedule a release; refused while any script's marking, second marking
    or moderation is unfinished (the sample is drawn first if first marking is complete)."""
    if window.state(at).value != "closed":
        raise MarkingError("Results can only be released after the window has closed.")
    if first_marking_complete(window, at):
        draw_second_marking_sample(window, at, actor)
    outstanding = outstanding_checks(window, at)
    if outstanding:
        raise MarkingError(refusal(outstanding))
    window.results_release_at = max(when, at)
    audit.record("results.release_set", actor=actor, window_id=window.id,
                 release_at=window.results_release_at.isoformat())
    db.session.commit()
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
        db.session.commit()
        return False
    versions = marked_versions(window, at)
    results = final_results(versions.keys())
    # An upheld academic-misconduct case fails the attempt, whatever its marks.
    upheld = misconduct.upheld_entries(window.id)
    for version in versions.values():
        result = results[version.entry_id]
        passed = result.outcome is Outcome.PASS and version.entry_id not in upheld
        version.entry.outcome = "passed" if passed else "failed"
        version.entry.completed_at = window.results_release_at
    window.results_recorded_at = at
    notifications.results_released([v.entry for v in versions.values()], at)
    audit.record("results.released", window_id=window.id, entries=len(versions))
    db.session.commit()
    return True


def _record_late_results(window: AssessmentWindow, at: datetime) -> bool:
    """After a window's release, record each attempt that was still open (an extension) or
    unmarked then, as soon as its checking is complete: outcome, completion date (the day its
    result is released) and the notice together, never a result without its record."""
    pending = {k: v for k, v in marked_versions(window, at).items() if v.entry.outcome is None}
    if not pending:
        return False
    checking = _checking(pending.keys())
    first_marked = {k for k in pending if checking.first_mark(k) is not None}
    if not first_marked:
        return False
    # A first mark given after the release still faces the sample, as at the release itself.
    draw_second_marking_sample(window, at)
    results = final_results(first_marked)
    done = [pending[k] for k in sorted(results)]
    if not done:
        return False
    for version in done:
        result = results[version.entry_id]
        version.entry.outcome = "passed" if result.outcome is Outcome.PASS else "failed"
        version.entry.completed_at = at
    notifications.results_released([v.entry for v in done], at)
    audit.record("results.released", window_id=window.id, entries=len(done),
                 after_window_release=True)
    db.session.commit()
    return True
