"""Marks: a marker's draft or submitted mark on a script (live or seeded), whether a script may
still be handed back, and the comparison of first and second marks that opens a moderation
case."""

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    Entry,
    Mark,
    MarkingRole,
    Moderation,
    Outcome,
    Seed,
)
from ..rubrics import Rubric
from . import audit, level_counts
from .mark_input import MarkInput, complete_levels, set_judgements
from .marking_error import MarkingError
from .rubric_store import rubric_for

# Criterion levels may differ by this many steps between two markers before moderation.
LEVEL_TOLERANCE = 1


def save_mark(allocation: Allocation, data: MarkInput, at: datetime, *, submit: bool) -> Mark:
    """Save a draft mark on a live script, or submit it (a second mark is then compared with
    the first). A seed's is standardisation.save_seed_mark."""
    mark = fill_mark(allocation, data, at, submit=submit)
    if submit:
        level_counts.shift(allocation, mark, 1)
        audit.record("mark.submitted", actor=allocation.marker, window_id=allocation.window.id,
                     allocation=allocation.id, role=allocation.role.value,
                     outcome=mark.outcome.value, rubric_version=mark.rubric_version)
        if allocation.role is MarkingRole.SECOND:
            compare_marks(allocation.entry, at)
    db.session.flush()
    return mark


def fill_mark(script: Allocation | Seed, data: MarkInput, at: datetime, *, submit: bool) -> Mark:
    """The marker's draft on a script of their queue, live or seeded (each holds its status
    and its mark alike), or its submission: the outcome comes from the rubric's rule, never
    typed."""
    if script.status is not AllocationStatus.ALLOCATED:
        raise MarkingError("This mark has already been submitted.")
    rubric = rubric_for(script.npq_code)
    if script.mark is None:
        script.mark = Mark(rubric_version=rubric.version)
    mark = script.mark
    db.session.add(mark)
    mark.rubric_version, mark.feedback, mark.saved_at = rubric.version, data.feedback, at
    set_judgements(mark.judgements, rubric, data, lambda j: mark.judgements.append(j))
    if submit:
        levels = complete_levels(rubric, data)
        mark.outcome = Outcome(rubric.outcome(levels))
        mark.borderline = rubric.is_borderline(levels)
        mark.submitted_at = at
        script.status = AllocationStatus.SUBMITTED
    return mark


def check_hand_back(script: Allocation | Seed, reason: str) -> None:
    """A script goes back from its marker only before its mark is submitted, with a reason
    (the same words for a live script and a seed)."""
    if script.status is not AllocationStatus.ALLOCATED:
        raise MarkingError("Only a script that has not been submitted can be returned.")
    if not reason.strip():
        raise MarkingError("Give a reason for returning the script.")


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
