"""Allocating scripts, taking marks, second marking, moderation, and final results.

Rules that need no database (the allocation algorithm, rubric pass rules) live in
allocation.py and rubrics.py; this module maps rows to them and records what happens.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

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
    RubricVersion,
    SubmissionVersion,
    User,
)
from ..rubrics import Rubric, parse_rubric
from . import audit, notifications

# Criterion levels may differ by this many steps between two markers before moderation.
LEVEL_TOLERANCE = 1


class MarkingError(Exception):
    """A marking action that cannot be done; the message says why."""


def rubric_for(npq_code: str) -> Rubric:
    """The NPQ's current rubric, its text kept in the database by version on first use, so a
    later edit of the file never changes how a past mark reads."""
    path = Path(current_app.config["RUBRIC_DIR"]) / f"{npq_code.lower()}.yaml"
    if not path.is_file():
        raise MarkingError(f"There is no rubric for {npq_code}.")
    data = path.read_bytes()  # read once: the stored text is exactly what was hashed
    rubric = parse_rubric(data, source=str(path))
    if rubric.npq != npq_code:
        raise MarkingError(f"{path.name} is the rubric for {rubric.npq}, not {npq_code}.")
    if db.session.get(RubricVersion, rubric.version) is None:
        db.session.add(RubricVersion(version=rubric.version, npq_code=npq_code,
                                     content=data.decode("utf-8")))
        db.session.flush()
    return rubric


def rubric_at(version: str) -> Rubric:
    """The rubric exactly as it was when a mark was made."""
    stored = db.session.get(RubricVersion, version)
    if stored is None:
        raise MarkingError("The rubric used for this mark is not on record.")
    return parse_rubric(stored.content.encode("utf-8"), source=f"rubric {version[:12]}",
                        recorded=True)


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
        .options(selectinload(SubmissionVersion.entry).selectinload(Entry.participant),
                 selectinload(SubmissionVersion.entry).selectinload(Entry.window))
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
    return [
        allocating.Marker(
            id=p.user_id, npqs=p.npqs, capacity=p.capacity, share=p.share,
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


def windows_in_marking(at: datetime) -> list[AssessmentWindow]:
    """Closed windows whose results are not yet recorded: scripts may still need allocating."""
    return list(db.session.scalars(
        select(AssessmentWindow).where(AssessmentWindow.closes_at <= at,
                                       AssessmentWindow.results_recorded_at.is_(None))
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
    # The scheduler retries every minute: record only what changed, or what an admin asked for.
    if result.assignments or actor is not None:
        notifications.scripts_allocated(result.assignments, window, at)
        audit.record("scripts.allocated", actor=actor, window_id=window.id, role=role.value,
                     allocated=len(result.assignments), unallocated=len(result.unallocated))
    db.session.commit()
    return result


def return_to_pool(allocation: Allocation, reason: str, actor: User, at: datetime) -> Allocation | None:
    """Take a script back from its marker and offer it to another; returns the new allocation."""
    if allocation.status is not AllocationStatus.ALLOCATED:
        raise MarkingError("Only a script that has not been submitted can be returned.")
    if not reason.strip():
        raise MarkingError("Give a reason for returning the script.")
    allocation.status = AllocationStatus.RETURNED
    allocation.returned_at, allocation.return_reason = at, reason.strip()
    audit.record("allocation.returned", actor=actor, window_id=allocation.entry.window_id,
                 allocation=allocation.id, reason=reason.strip())
    db.session.commit()
    allocate_window(allocation.entry.window, at, actor, allocation.role, {allocation.entry_id})
    return db.session.scalar(_live(allocation.role).where(Allocation.entry_id == allocation.entry_id))


def reassign(allocation: Allocation, marker: User, actor: User, at: datetime) -> Allocation:
    """An admin moves an unmarked script to a named marker (the same hard rules apply)."""
    if allocation.status is not AllocationStatus.ALLOCATED:
        raise MarkingError("Only a script that has not been submitted can be moved.")
    entry = allocation.entry
    pool = {m.id: m for m in _marker_pool(entry.window, {entry.npq_code})}
    candidate = pool.get(marker.id)
    script = allocating.Script(
        id=entry.id, npq=entry.npq_code, delivery_partner=entry.participant.delivery_partner,
        school=entry.participant.school,
        excluded_markers=_first_attempt_markers([entry])[entry.id] | {allocation.marker_id},
    )
    if candidate is None or not allocating.can_mark(candidate, script):
        raise MarkingError(f"{marker.name} cannot mark this script (not qualified, at capacity "
                           "or a conflict of interest).")
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
    rubric = rubric_for(allocation.entry.npq_code)
    mark = allocation.mark or Mark(allocation=allocation, rubric_version=rubric.version)
    db.session.add(mark)
    mark.rubric_version, mark.feedback, mark.saved_at = rubric.version, data.feedback, at
    _set_judgements(mark.judgements, rubric, data, lambda j: mark.judgements.append(j))
    if submit:
        levels = _complete_levels(rubric, data)
        mark.outcome = Outcome(rubric.outcome(levels))
        mark.borderline = rubric.is_borderline(levels)
        mark.submitted_at = at
        allocation.status = AllocationStatus.SUBMITTED
        audit.record("mark.submitted", actor=allocation.marker, window_id=allocation.entry.window_id,
                     allocation=allocation.id, role=allocation.role.value, outcome=mark.outcome.value,
                     rubric_version=rubric.version)
        db.session.flush()
        if allocation.role is MarkingRole.SECOND:
            compare_marks(allocation.entry, at)
    db.session.commit()
    return mark


def _set_judgements(existing: list[Judgement], rubric: Rubric, data: MarkInput, add) -> None:
    by_criterion = {j.criterion_id: j for j in existing}
    for criterion in rubric.criteria:
        level = data.levels.get(criterion.id) or None
        if level is not None and level not in {lv.id for lv in rubric.levels}:
            raise MarkingError(f"Choose a level for “{criterion.title}”.")
        judgement = by_criterion.get(criterion.id)
        if judgement is None:
            judgement = Judgement(criterion_id=criterion.id)
            add(judgement)
        judgement.level_id = level
        judgement.comment = data.comments.get(criterion.id, "").strip()


def _complete_levels(rubric: Rubric, data: MarkInput) -> dict[str, str]:
    missing = [c.title for c in rubric.criteria if not data.levels.get(c.id)]
    if missing:
        raise MarkingError("Choose a level for every criterion: " + "; ".join(missing) + ".")
    return {c.id: data.levels[c.id] for c in rubric.criteria}


# Second marking and moderation ---------------------------------------------------------


def draw_second_marking_sample(window: AssessmentWindow, at: datetime, actor: User,
                               seed: int | None = None) -> set[int]:
    """Choose scripts for blind second marking: every fail, every borderline, and a share of
    each first marker's other scripts. Idempotent: scripts already chosen stay chosen."""
    rng = random.Random(seed)
    marks = db.session.execute(
        select(Allocation.entry_id, Allocation.marker_id, Mark.outcome, Mark.borderline)
        .join(Mark, Mark.allocation_id == Allocation.id)
        .join(Entry, Entry.id == Allocation.entry_id)
        .where(Entry.window_id == window.id, Allocation.role == MarkingRole.FIRST,
               Allocation.status == AllocationStatus.SUBMITTED)
    ).all()
    chosen = set(db.session.scalars(
        _live(MarkingRole.SECOND).with_only_columns(Allocation.entry_id)
        .join(Entry, Entry.id == Allocation.entry_id).where(Entry.window_id == window.id)
    ))
    must = {m.entry_id for m in marks if m.outcome is Outcome.FAIL or m.borderline}
    by_marker: dict[int, list[int]] = {}
    for m in marks:
        by_marker.setdefault(m.marker_id, []).append(m.entry_id)
    sample = set(must)
    for scripts in by_marker.values():
        wanted = math.ceil(len(scripts) * window.second_marking_percent / 100)
        have = [s for s in scripts if s in chosen or s in must]
        others = sorted(s for s in scripts if s not in have)
        sample.update(rng.sample(others, max(0, min(len(others), wanted - len(have)))))
    new = sample - chosen
    if new:
        allocate_window(window, at, actor, MarkingRole.SECOND, new)
    return sample | chosen


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


def moderate(case: Moderation, moderator: User, data: MarkInput, reason: str, at: datetime) -> Moderation:
    """The moderator's final mark: levels for every criterion, feedback, and a reason."""
    if case.decided_at is not None:
        raise MarkingError("This script has already been moderated.")
    if not reason.strip():
        raise MarkingError("Give the reason for your decision.")
    markers = {m.allocation.marker_id for m in (submitted_mark(case.entry_id, MarkingRole.FIRST),
                                                 submitted_mark(case.entry_id, MarkingRole.SECOND)) if m}
    if moderator.id in markers:
        raise MarkingError("You marked this script, so another moderator must decide it.")
    rubric = rubric_for(case.entry.npq_code)
    _set_judgements(case.judgements, rubric, data, lambda j: case.judgements.append(j))
    levels = _complete_levels(rubric, data)
    case.outcome = Outcome(rubric.outcome(levels))
    case.rubric_version, case.feedback, case.reason = rubric.version, data.feedback, reason.strip()
    case.moderator_id, case.decided_at = moderator.id, at
    audit.record("moderation.decided", actor=moderator, window_id=case.entry.window_id,
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


def final_results(entry_ids) -> dict[int, FinalResult]:
    """The results participants will see, for many entries in a fixed number of queries: the
    moderator's decision, else the first mark once any second mark is in (and agrees).
    Entries whose marking is unfinished are absent."""
    entry_ids = list(entry_ids)
    cases = {c.entry_id: c for c in db.session.scalars(
        select(Moderation).where(Moderation.entry_id.in_(entry_ids))
        .options(selectinload(Moderation.judgements)))}
    live = db.session.scalars(
        select(Allocation).where(Allocation.entry_id.in_(entry_ids),
                                 Allocation.status != AllocationStatus.RETURNED)
        .options(selectinload(Allocation.mark).selectinload(Mark.judgements))
    ).all()
    first = {a.entry_id: a.mark for a in live
             if a.role is MarkingRole.FIRST and a.status is AllocationStatus.SUBMITTED}
    second_pending = {a.entry_id for a in live
                      if a.role is MarkingRole.SECOND and a.status is AllocationStatus.ALLOCATED}
    results = {}
    for entry_id in entry_ids:
        case = cases.get(entry_id)
        if case is not None:
            if case.decided_at is not None:
                results[entry_id] = FinalResult(case.outcome, case.rubric_version,
                                                case.judgements, case.feedback)
        elif entry_id in first and entry_id not in second_pending:
            mark = first[entry_id]
            results[entry_id] = FinalResult(mark.outcome, mark.rubric_version, mark.judgements,
                                            mark.feedback)
    return results


def final_result(entry: Entry) -> FinalResult | None:
    return final_results([entry.id]).get(entry.id)


def unfinished_entries(window: AssessmentWindow, at: datetime) -> list[Entry]:
    versions = marked_versions(window, at)
    done = final_results(versions.keys())
    return [v.entry for k, v in versions.items() if k not in done]


def release_results(window: AssessmentWindow, when: datetime, actor: User, at: datetime) -> None:
    """Release now or schedule a release; refused while any submitted script is unmarked."""
    if window.state(at).value != "closed":
        raise MarkingError("Results can only be released after the window has closed.")
    unfinished = unfinished_entries(window, at)
    if unfinished:
        raise MarkingError(f"{len(unfinished)} script{'s' if len(unfinished) != 1 else ''} "
                           "still need marking, second marking or moderation.")
    window.results_release_at = max(when, at)
    audit.record("results.release_set", actor=actor, window_id=window.id,
                 release_at=window.results_release_at.isoformat())
    db.session.commit()
    if window.results_release_at <= at:
        record_results(window, at)


def record_results(window: AssessmentWindow, at: datetime) -> bool:
    """Set each attempt's outcome and completion date once results are out. Idempotent."""
    if window.results_recorded_at is not None or not window.results_released(at):
        return False
    versions = marked_versions(window, at)
    results = final_results(versions.keys())
    for version in versions.values():
        result = results[version.entry_id]
        version.entry.outcome = "passed" if result.outcome is Outcome.PASS else "failed"
        version.entry.completed_at = window.results_release_at
    window.results_recorded_at = at
    notifications.results_released([v.entry for v in versions.values()], at)
    audit.record("results.released", window_id=window.id, entries=len(versions))
    db.session.commit()
    return True
