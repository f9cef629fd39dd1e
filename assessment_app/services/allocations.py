"""Allocating scripts to markers: which scripts are marked, the pools of markers and moderators,
allocation for first and second marking, and a script handed back or moved.

The allocation algorithm itself needs no database and lives in allocation.py; this module maps
rows to it and records what happens.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, false, func, select, true
from sqlalchemy.orm import joinedload, selectinload

from .. import allocation as allocating
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Entry,
    MarkerProfile,
    MarkingRole,
    Moderation,
    Role,
    SubmissionVersion,
    User,
)
from . import audit, level_counts, notifications, standardisation
from .marking_error import MarkingError
from .marks import check_hand_back


def marked_versions(window: AssessmentWindow, at: datetime,
                    entry_ids: list[int] | None = None) -> dict[int, SubmissionVersion]:
    """Each entry's marked version (its last, all being in time), once its own deadline has
    passed; of the entries `entry_ids` only, if given."""
    newest = (
        select(SubmissionVersion.entry_id, func.max(SubmissionVersion.number).label("number"))
        .join(Entry, Entry.id == SubmissionVersion.entry_id)
        # Voided and deferred attempts are never marked.
        .where(Entry.window_id == window.id,
               Entry.outcome.is_(None) | Entry.outcome.in_(["passed", "failed"]),
               true() if entry_ids is None else Entry.id.in_(entry_ids))
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


def marked_entries(window: AssessmentWindow, at: datetime):
    """marked_versions' entries as a query, for pages that count or page them in SQL:
    submitted, not voided or deferred, and past their own deadline (the later of the window's
    and any extension)."""
    query = select(Entry).where(
        Entry.window_id == window.id,
        exists().where(SubmissionVersion.entry_id == Entry.id).correlate(Entry),
        Entry.outcome.is_(None) | Entry.outcome.in_(["passed", "failed"]))
    if window.closes_at > at:
        return query.where(false())
    return query.where(Entry.extended_closes_at.is_(None) | (Entry.extended_closes_at <= at))


def live_allocations(role: MarkingRole):
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


def _exclusions(entries: list[Entry], role: MarkingRole) -> dict[int, dict[int, str]]:
    """For each entry, the markers who must never have it for `role`, and why: anyone who had
    the script before (marked it, holds it, or handed it back), the first marker of any earlier
    attempt by the same participant at the NPQ, and for second marking the one moderator who
    could decide a disagreement on it."""
    ids = [e.id for e in entries]
    out: dict[int, dict[int, str]] = {e.id: {} for e in entries}
    for entry_id, marker_id, had_role, status in db.session.execute(
            select(Allocation.entry_id, Allocation.marker_id, Allocation.role, Allocation.status)
            .where(Allocation.entry_id.in_(ids))):
        out[entry_id][marker_id] = (
            "handed this script back or had it withdrawn" if status is AllocationStatus.RETURNED
            else f"already its {had_role.value} marker")
    participant_ids = {e.participant_id for e in entries}
    earlier = db.session.execute(
        select(Entry.participant_id, Entry.npq_code, Entry.id, Allocation.marker_id)
        .join(Allocation, Allocation.entry_id == Entry.id)
        .where(Entry.participant_id.in_(participant_ids), Allocation.role == MarkingRole.FIRST)
    ).all()
    for entry in entries:
        for r in earlier:
            if (r.participant_id, r.npq_code) == (entry.participant_id, entry.npq_code) \
                    and r.id != entry.id:
                out[entry.id].setdefault(r.marker_id, "first marker of the participant's earlier "
                                                      "attempt")
    if role is MarkingRole.SECOND:
        for entry_id, held_back in _only_moderator_exclusions(entries).items():
            for marker_id in held_back:
                out[entry_id].setdefault(marker_id, "the only moderator who could decide a "
                                                    "disagreement on it")
    return out


def _script(entry: Entry, excluded: dict[int, str]) -> allocating.Script:
    return allocating.Script(id=entry.id, npq=entry.npq_code,
                             delivery_partner=entry.participant.delivery_partner,
                             school=entry.participant.school, excluded_markers=frozenset(excluded))


def moderator_pool() -> list[tuple[User, allocating.Moderator]]:
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


def moderation_script(entry: Entry, marker_ids) -> allocating.Script:
    return allocating.Script(id=entry.id, npq=entry.npq_code,
                             delivery_partner=entry.participant.delivery_partner,
                             school=entry.participant.school,
                             excluded_markers=frozenset(m for m in marker_ids if m is not None))


def _only_moderator_exclusions(entries: list[Entry]) -> dict[int, frozenset]:
    """For second marking: the one moderator who could decide each script is kept off it."""
    first = dict(db.session.execute(
        live_allocations(MarkingRole.FIRST).with_only_columns(Allocation.entry_id, Allocation.marker_id)
        .where(Allocation.entry_id.in_([e.id for e in entries]))
    ).all())
    moderators = [m for _, m in moderator_pool()]
    out = {}
    for entry in entries:
        held_back = allocating.only_possible_moderator(
            moderation_script(entry, [first.get(entry.id)]), moderators)
        out[entry.id] = frozenset() if held_back is None else frozenset({held_back})
    return out


def _why_not(entry: Entry, role: MarkingRole, user: User) -> str | None:
    """Why this person may not mark the script in this role (None if they may)."""
    return next((c.reason for c in candidates(entry, role) if c.user.id == user.id),
                "not an active marker with a profile")


@dataclass(frozen=True)
class Candidate:
    """A marker qualified for the NPQ, and why they may not have this script (None: they may)."""

    user: User
    reason: str | None
    over_capacity: bool = False  # the only reason, one an admin may override

    @property
    def may_assign(self) -> bool:
        return self.reason is None or self.over_capacity


def candidates(entry: Entry, role: MarkingRole) -> list[Candidate]:
    """Every active marker with a profile for the script's NPQ, by name, each with why they may
    not have it for `role` (not cleared by standardisation, kept off it, a conflict of
    interest, or at capacity)."""
    window = entry.window
    excluded = _exclusions([entry], role)[entry.id]
    script = _script(entry, excluded)
    barred = standardisation.barred_npqs(window)
    pool = {m.id: m for m in _marker_pool(window, {entry.npq_code})}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(pool.keys())))}
    out = []
    for marker_id, marker in pool.items():
        if entry.npq_code in barred.get(marker_id, set()):
            reason = f"not cleared by standardisation for {entry.npq_code}"
        else:
            reason = allocating.why_not(marker, script, excluded)
        out.append(Candidate(users[marker_id], reason,
                             reason is not None and reason.startswith("at capacity")))
    return sorted(out, key=lambda c: (c.user.name, c.user.id))


def assign(entry: Entry, role: MarkingRole, marker: User, actor: User, at: datetime) -> Allocation:
    """An admin gives a script nobody could be allocated to a named marker: every hard rule
    holds, but the admin may go over the marker's capacity (audited)."""
    if db.session.scalar(live_allocations(role).where(Allocation.entry_id == entry.id)):
        raise MarkingError("This script already has a marker for that stage: move it instead.")
    version = marked_versions(entry.window, at).get(entry.id)
    if version is None:
        raise MarkingError("This script is not ready to mark: the participant's deadline has "
                           "not passed, or the attempt has ended.")
    chosen = next((c for c in candidates(entry, role) if c.user.id == marker.id), None)
    if chosen is None or not chosen.may_assign:
        why = chosen.reason if chosen else "not an active marker with a profile"
        raise MarkingError(f"{marker.name} cannot mark this script: {why}.")
    allocation = Allocation(entry_id=entry.id, version_id=version.id, marker_id=marker.id,
                            role=role, allocated_at=at)
    db.session.add(allocation)
    db.session.flush()
    audit.record("allocation.assigned", actor=actor, window_id=entry.window_id,
                 allocation=allocation.id, marker=marker.id, role=role.value,
                 over_capacity=chosen.over_capacity)
    notifications.scripts_allocated({entry.id: marker.id}, entry.window, at)
    return allocation


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
    _withdraw_superseded(versions, at)
    taken = set(db.session.scalars(
        live_allocations(role).with_only_columns(Allocation.entry_id)
        .where(Allocation.entry_id.in_(versions.keys()))
    ))
    todo = [v for k, v in versions.items() if k not in taken]
    if not todo:
        return allocating.allocate([], [])
    entries = [v.entry for v in todo]
    excluded = _exclusions(entries, role)
    scripts = [_script(e, excluded[e.id]) for e in entries]
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
    return result


def _withdraw_superseded(versions: dict[int, SubmissionVersion], at: datetime) -> None:
    """Marking follows the newest version: a script allocated (or marked) before a newer version
    came in under an extension is withdrawn from its marker, with any moderation of it, so the
    newer version is allocated afresh."""
    stale = db.session.scalars(
        select(Allocation).where(Allocation.entry_id.in_(versions.keys()),
                                 Allocation.status != AllocationStatus.RETURNED)
        .options(selectinload(Allocation.version))).all()
    stale = [a for a in stale if a.version_id != versions[a.entry_id].id]
    if not stale:
        return
    for case in db.session.scalars(select(Moderation).where(
            Moderation.entry_id.in_({a.entry_id for a in stale}))):
        audit.record("moderation.withdrawn", window_id=case.entry.window_id, entry=case.entry_id,
                     decided=case.decided_at is not None, reason="a newer version replaced it")
        db.session.delete(case)
    withdraw(stale, f"version {versions[stale[0].entry_id].number} replaced the version "
             "allocated: it was submitted under an extension", at)


def withdraw(allocations: list[Allocation], why: str, at: datetime,
             actor: User | None = None) -> None:
    """Take scripts back from their markers (any work on them is kept, withdrawn), audited,
    each marker told how many and why (never whose)."""
    for allocation in allocations:
        if allocation.status is AllocationStatus.SUBMITTED:
            level_counts.shift(allocation, allocation.mark, -1)
        allocation.status = AllocationStatus.RETURNED
        allocation.returned_at, allocation.return_reason = at, f"Withdrawn: {why}"
        audit.record("allocation.withdrawn", actor=actor, window_id=allocation.entry.window_id,
                     allocation=allocation.id, entry=allocation.entry_id,
                     marked=allocation.mark is not None, reason=why)
    db.session.flush()
    by_marker: dict[int, list[Allocation]] = {}
    for allocation in allocations:
        by_marker.setdefault(allocation.marker_id, []).append(allocation)
    for marker_id, taken in by_marker.items():
        notifications.scripts_withdrawn(taken[0].marker, [a.candidate_number for a in taken],
                                        taken[0].window, why, at)


def withdraw_unmarked(entries: list[Entry], why: str, at: datetime, actor: User) -> None:
    """Scripts are allocated after each person's own deadline: when an extension moves it
    ahead, an allocation not yet marked is withdrawn (it is allocated again after it)."""
    unmarked = db.session.scalars(select(Allocation).where(
        Allocation.entry_id.in_([e.id for e in entries]),
        Allocation.status == AllocationStatus.ALLOCATED)).all()
    if unmarked:
        withdraw(list(unmarked), why, at, actor)


def return_to_pool(allocation: Allocation, reason: str, actor: User, at: datetime) -> Allocation | None:
    """Take a script back from its marker and offer it to another; returns the new allocation
    (None while no other marker can take it). A seed handed back is withdrawn instead:
    standardisation.withdraw_seed."""
    check_hand_back(allocation, reason)
    allocation.status = AllocationStatus.RETURNED
    allocation.returned_at, allocation.return_reason = at, reason.strip()
    audit.record("allocation.returned", actor=actor, window_id=allocation.entry.window_id,
                 allocation=allocation.id, reason=reason.strip())
    allocate_window(allocation.entry.window, at, actor, allocation.role, {allocation.entry_id})
    return db.session.scalar(live_allocations(allocation.role).where(Allocation.entry_id == allocation.entry_id))


def reassign(allocation: Allocation, marker: User, actor: User, at: datetime) -> Allocation:
    """An admin moves an unmarked script to a named marker (the same hard rules apply)."""
    if allocation.status is not AllocationStatus.ALLOCATED:
        raise MarkingError("Only a script that has not been submitted can be moved.")
    entry = allocation.entry
    problem = _why_not(entry, allocation.role, marker)
    if problem:
        raise MarkingError(f"{marker.name} cannot mark this script: {problem}.")
    allocation.status = AllocationStatus.RETURNED
    allocation.returned_at, allocation.return_reason = at, f"moved by {actor.name}"
    db.session.flush()
    moved = Allocation(entry_id=entry.id, version_id=allocation.version_id, marker_id=marker.id,
                       role=allocation.role, allocated_at=at)
    db.session.add(moved)
    audit.record("allocation.moved", actor=actor, window_id=entry.window_id,
                 before=allocation.marker_id, after=marker.id, role=allocation.role.value)
    db.session.flush()
    return moved
