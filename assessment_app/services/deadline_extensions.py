"""Extensions by every route (individual, group, EC, access arrangement), taking one back, and
each entry's stored deadline, which only ever holds what entry_deadlines.py decides.

Services here flush; the request or the scheduler duty commits.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..access_arrangements import capped
from ..attempts import OUTCOME_TEXT, AttemptOutcome
from ..entry_deadlines import (
    Granted,
    WindowTerms,
    entry_closes_at,
    extension_problem,
    helps,
    stored_deadline,
    withdrawal_problem,
)
from ..extensions import db
from ..models import AccessArrangement, AssessmentWindow, EcClaim, Entry, Extension, User
from ..timeformat import deadline_text
from . import allocations, audit, notifications, outcomes


class ExtensionRefused(Exception):
    """An extension that cannot be granted or taken back; the message says why."""


@dataclass(frozen=True)
class Granting:
    """What a grant did: who got the extension, and who it would not have helped, with why."""

    granted: list[Extension]
    left_alone: list[tuple[Entry, str]]


def terms(window: AssessmentWindow) -> WindowTerms:
    return WindowTerms(window.closes_at, window.deadline_time, window.max_extension_days)


def _granted(extension: Extension) -> Granted:
    if extension.extra_days is not None:
        return Granted(extra_days=extension.extra_days)
    return Granted(closes_at=extension.closes_at)


def in_force(entry_ids: Iterable[int]) -> dict[int, list[Extension]]:
    """Each entry's extensions still in force, oldest first, in one statement."""
    out: dict[int, list[Extension]] = {}
    for extension in db.session.scalars(
            select(Extension).where(Extension.entry_id.in_(list(entry_ids)),
                                    Extension.withdrawn_at.is_(None)).order_by(Extension.id)):
        out.setdefault(extension.entry_id, []).append(extension)
    return out


def refresh_deadlines(entries: list[Entry]) -> None:
    """Store each entry's deadline as the one rule gives it from its extensions in force."""
    granted = in_force(e.id for e in entries)
    for entry in entries:
        entry.extended_closes_at = stored_deadline(
            terms(entry.window), [_granted(x) for x in granted.get(entry.id, [])])
    db.session.flush()


def closes_at_for(window: AssessmentWindow, until: date) -> datetime:
    """The personal deadline an extension to this London day gives, if the window allows it."""
    closes_at = terms(window).on_day(until)
    problem = extension_problem(terms(window), closes_at)
    if problem:
        raise ExtensionRefused(problem)
    return closes_at


_ENDED = "their attempt has ended ({})"


def grant(entries: list[Entry], until: date, reason: str, actor: User, at: datetime,
          claim: EcClaim | None = None) -> Granting:
    """Give each entry a personal deadline to `until`, unless it would not help them: someone
    whose deadline is already that late or later is left alone, and listed with why. An
    attempt recorded as not submitted runs again until the new deadline."""
    if not entries:
        raise ExtensionRefused("Choose at least one participant.")
    if not reason.strip():
        raise ExtensionRefused("Give the reason for the extension.")
    granted, changed, left_alone = [], [], []
    for entry in entries:
        closes_at = closes_at_for(entry.window, until)
        if entry.outcome not in (None, AttemptOutcome.NOT_SUBMITTED):
            left_alone.append((entry, _ENDED.format(
                OUTCOME_TEXT[AttemptOutcome(entry.outcome)].lower())))
            continue
        if not helps(entry.closes_at, closes_at):
            left_alone.append((entry, f"their deadline is already {deadline_text(entry.closes_at)}"))
            continue
        extension = Extension(entry_id=entry.id, closes_at=closes_at, reason=reason.strip(),
                              granted_by=actor.id, granted_at=at,
                              ec_claim_id=claim.id if claim else None)
        db.session.add(extension)
        granted.append(extension)
        changed.append(entry)
        audit.record("extension.granted", actor=actor, window_id=entry.window_id,
                     participant_id=entry.participant_id, until=closes_at.isoformat(),
                     reason=reason.strip(), ec_claim=claim.id if claim else None)
    if not granted and len(entries) == 1:
        entry, why = left_alone[0]
        raise ExtensionRefused(f"No extension was granted: {why}.")
    db.session.flush()
    refresh_deadlines(changed)
    allocations.withdraw_unmarked(
        [e for e in changed if e.is_in_time(at)],
        "the participant's deadline was extended; it is allocated again after the new deadline",
        at, actor)
    outcomes.settle(changed, at, actor)
    if claim is None:  # an EC decision's own notice gives the new deadline
        for entry in changed:
            notifications.extension_granted(entry, reason.strip(), at)
    return Granting(granted, left_alone)


def withdraw(extension: Extension, reason: str, actor: User, at: datetime) -> Entry:
    """Take an extension back, with a reason, while the deadline it leaves is still ahead."""
    entry = extension.entry
    if extension.withdrawn_at is not None:
        raise ExtensionRefused("This extension has already been taken back.")
    if not reason.strip():
        raise ExtensionRefused("Give the reason for taking the extension back: the participant "
                               "will see it.")
    if entry.outcome is not None:
        raise ExtensionRefused("This attempt has ended, so its extensions can no longer change.")
    problem = withdrawal_problem(closes_at_without(extension), at)
    if problem:
        raise ExtensionRefused(problem)
    before = entry.closes_at
    extension.withdrawn_at, extension.withdrawn_by = at, actor.id
    extension.withdrawal_reason = reason.strip()
    db.session.flush()
    refresh_deadlines([entry])
    audit.record("extension.withdrawn", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, extension=extension.id,
                 before=before.isoformat(), after=entry.closes_at.isoformat(),
                 reason=extension.withdrawal_reason)
    notifications.extension_withdrawn(entry, extension.withdrawal_reason, at)
    return entry


def closes_at_without(extension: Extension) -> datetime:
    """The participant's deadline if this extension were taken back."""
    entry = extension.entry
    others = [_granted(x) for x in in_force([entry.id]).get(entry.id, []) if x.id != extension.id]
    return entry_closes_at(terms(entry.window), others)


def apply_arrangements(entries: list[Entry], at: datetime) -> list[Entry]:
    """Give each running attempt of a participant with an arrangement in force its extra days
    (as an extension counted in the window's London days), where that adds time; returns
    those whose deadline moved."""
    by_participant = {a.participant_id: a for a in db.session.scalars(
        select(AccessArrangement).where(
            AccessArrangement.participant_id.in_({e.participant_id for e in entries}),
            AccessArrangement.ended_at.is_(None)))}
    changed = []
    for entry in entries:
        arrangement = by_participant.get(entry.participant_id)
        if arrangement is None or entry.outcome is not None or not entry.is_in_time(at):
            continue
        window_terms = terms(entry.window)
        closes_at = entry_closes_at(window_terms, [Granted(extra_days=arrangement.extra_days)])
        if not helps(entry.closes_at, closes_at):
            continue
        reason = arrangement_reason(arrangement, entry)
        db.session.add(Extension(entry_id=entry.id, closes_at=closes_at,
                                 extra_days=arrangement.extra_days, reason=reason,
                                 granted_by=arrangement.recorded_by, granted_at=at))
        audit.record("extension.granted", window_id=entry.window_id,
                     participant_id=entry.participant_id, until=closes_at.isoformat(),
                     reason=reason, access_arrangement=arrangement.id)
        changed.append(entry)
    db.session.flush()
    refresh_deadlines(changed)
    return changed


def arrangement_reason(arrangement: AccessArrangement, entry: Entry) -> str:
    limit = entry.window.max_extension_days
    if capped(arrangement.extra_days, limit):
        return (f"Access arrangement: {arrangement.extra_days} extra days, limited to this "
                f"window's {limit}")
    return f"Access arrangement: {arrangement.extra_days} extra days"
