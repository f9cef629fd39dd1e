"""Moderation: who may decide a script whose two marks disagree, an admin's assignment of the
case to a moderator, and the moderator's final mark."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import allocation as allocating
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    Entry,
    MarkingRole,
    Moderation,
    Outcome,
    Role,
    User,
)
from . import audit, notifications
from .allocations import moderation_script, moderator_pool
from .mark_input import MarkInput, complete_levels, set_judgements
from .marking_error import MarkingError
from .marks import submitted_mark
from .rubric_store import rubric_for


def who_may_decide(case: Moderation, entry: Entry, marker_ids,
                   moderators: list[tuple[User, allocating.Moderator]]) -> list[User]:
    """Who may decide the case: the moderator an admin assigned it to (while still free of
    conflicts and active), else every eligible moderator."""
    script = moderation_script(entry, marker_ids)
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
    deciders = who_may_decide(case, case.entry, _markers_of([case.entry_id]).get(case.entry_id, ()),
                              moderator_pool())
    return any(u.id == user.id for u in deciders)


def cases_for_moderator(user: User) -> list[Moderation]:
    """The undecided cases this moderator may decide, oldest first."""
    cases = db.session.scalars(
        select(Moderation).where(Moderation.decided_at.is_(None)).order_by(Moderation.opened_at)
        .options(selectinload(Moderation.entry).selectinload(Entry.participant))
    ).all()
    markers, moderators = _markers_of(c.entry_id for c in cases), moderator_pool()
    return [c for c in cases
            if any(u.id == user.id for u in who_may_decide(c, c.entry, markers.get(c.entry_id, ()),
                                                             moderators))]


def assign_moderator(case: Moderation, moderator: User, actor: User, at: datetime) -> Moderation:
    """An admin gives a case to a named moderator, who alone may then decide it. Their choice
    stands in for the NPQ in the moderator's profile; the other rules still apply."""
    if case.decided_at is not None:
        raise MarkingError("This script has already been moderated.")
    pool = dict((u.id, m) for u, m in moderator_pool())
    markers = _markers_of([case.entry_id]).get(case.entry_id, set())
    if moderator.id not in pool:
        raise MarkingError(f"{moderator.name} is not an active moderator.")
    if moderator.id in markers:
        raise MarkingError(f"{moderator.name} marked this script, so cannot decide it.")
    if allocating.conflicts(pool[moderator.id], moderation_script(case.entry, markers)):
        raise MarkingError(f"{moderator.name} shares a delivery partner or school with the "
                           "participant, so cannot decide this script.")
    case.assigned_moderator_id = moderator.id
    audit.record("moderation.assigned", actor=actor, window_id=case.entry.window_id,
                 entry=case.entry_id, moderator=moderator.id)
    notifications.moderation_assigned(moderator, case, at)
    return case


NO_REASON = "Give the reason for your decision."


def _check_decider(case: Moderation, moderator: User) -> bool:
    """Refuse a decided case, a marker of the script and a moderator the case is not for;
    True if the decider is an admin."""
    if case.decided_at is not None:
        raise MarkingError("This script has already been moderated.")
    markers = {m.allocation.marker_id for m in (submitted_mark(case.entry_id, MarkingRole.FIRST),
                                                 submitted_mark(case.entry_id, MarkingRole.SECOND)) if m}
    if moderator.id in markers:
        raise MarkingError("You marked this script, so another moderator must decide it.")
    by_admin = moderator.role is Role.ADMIN
    if not by_admin and not may_decide(case, moderator):
        raise MarkingError("You cannot decide this script: it is for another moderator.")
    return by_admin


def save_draft(case: Moderation, moderator: User, data: MarkInput, reason: str) -> Moderation:
    """The decision as typed so far, kept on the undecided case for the check page; nothing is
    final (outcome and decided_at stay empty)."""
    _check_decider(case, moderator)
    rubric = rubric_for(case.entry.npq_code)
    set_judgements(case.judgements, rubric, data, lambda j: case.judgements.append(j))
    case.rubric_version, case.feedback, case.reason = rubric.version, data.feedback, reason.strip()
    db.session.flush()
    return case


def moderate(case: Moderation, moderator: User, data: MarkInput, reason: str, at: datetime) -> Moderation:
    """The final mark, by an eligible moderator or an admin: levels for every criterion,
    feedback, and a reason."""
    if case.decided_at is not None:
        raise MarkingError("This script has already been moderated.")
    if not reason.strip():
        raise MarkingError(NO_REASON)
    by_admin = _check_decider(case, moderator)
    rubric = rubric_for(case.entry.npq_code)
    set_judgements(case.judgements, rubric, data, lambda j: case.judgements.append(j))
    levels = complete_levels(rubric, data)
    case.outcome = Outcome(rubric.outcome(levels))
    case.rubric_version, case.feedback, case.reason = rubric.version, data.feedback, reason.strip()
    case.moderator_id, case.decided_at = moderator.id, at
    audit.record("moderation.decided_by_admin" if by_admin else "moderation.decided",
                 actor=moderator, window_id=case.entry.window_id,
                 entry=case.entry_id, outcome=case.outcome.value, reason=case.reason)
    db.session.flush()
    return case
