"""Access arrangements: recorded once with evidence, applied to every window entered.

An arrangement gives each running attempt a personal deadline (access_arrangements.py) as an
Extension row, so the deadline rules, the timeline and the window-change checks treat it like
any other extension; no EC claim is needed. Markers never see any of it.
"""

from datetime import datetime

from sqlalchemy import select

from ..access_arrangements import MAX_EXTRA_DAYS, arrangement_closes_at, capped
from ..evidence_files import EvidenceRejected, check_files
from ..extensions import db
from ..models import AccessArrangement, ArrangementEvidence, Entry, Extension, User
from . import audit, notifications


class ArrangementRefused(Exception):
    """An arrangement that cannot be recorded; `field` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def arrangement_of(participant_id: int) -> AccessArrangement | None:
    """The participant's arrangement, ended or not."""
    return db.session.scalar(select(AccessArrangement)
                             .where(AccessArrangement.participant_id == participant_id))


def record_arrangement(participant: User, extra_days: int | None, details: str,
                       files: list[tuple[str, bytes]], actor: User,
                       at: datetime) -> AccessArrangement:
    """Record or change a participant's arrangement, with evidence; refused whole if anything
    is wrong. It applies at once to their attempts still running."""
    arrangement = arrangement_of(participant.id)
    if extra_days is None or not 1 <= extra_days <= MAX_EXTRA_DAYS:
        raise ArrangementRefused(f"Enter the extra days as a whole number from 1 to {MAX_EXTRA_DAYS}.",
                               "extra_days")
    if not details.strip():
        raise ArrangementRefused("Say what the arrangement is for (only admins see this).", "details")
    try:
        evidence = check_files(files)
    except EvidenceRejected as rejected:
        raise ArrangementRefused(str(rejected), "evidence") from None
    if not evidence and (arrangement is None or not arrangement.evidence):
        raise ArrangementRefused("Upload the evidence the arrangement rests on (for example an "
                               "assessment report).", "evidence")
    values = {"extra_days": extra_days, "details": details.strip(), "recorded_at": at,
              "recorded_by": actor.id, "ended_at": None}
    if arrangement is None:
        arrangement = AccessArrangement(participant_id=participant.id, **values)
        db.session.add(arrangement)
    else:
        for name, value in values.items():
            setattr(arrangement, name, value)
    arrangement.evidence.extend(ArrangementEvidence(**e.stored(at)) for e in evidence)
    db.session.flush()
    audit.record("access_arrangement.recorded", actor=actor, participant_id=participant.id,
                 extra_days=extra_days, files=len(evidence))
    running = db.session.scalars(select(Entry).where(Entry.participant_id == participant.id,
                                                     Entry.outcome.is_(None))).all()
    for entry in apply_arrangements(running, at):
        if entry.entered:
            notifications.extension_granted(entry, _reason(arrangement, entry), at)
    db.session.commit()
    return arrangement


def end_arrangement(arrangement: AccessArrangement, actor: User, at: datetime) -> None:
    """Stop applying the arrangement to windows entered from now on (deadlines already given
    stay: taking time back from someone mid-assessment would hurt them)."""
    if arrangement.ended_at is not None:
        raise ArrangementRefused("This arrangement has already ended.")
    arrangement.ended_at = at
    audit.record("access_arrangement.ended", actor=actor, participant_id=arrangement.participant_id)
    db.session.commit()


def apply_arrangements(entries: list[Entry], at: datetime) -> list[Entry]:
    """Give each running attempt of a participant with an arrangement its personal deadline,
    where that is later than the deadline it has; returns those changed. The caller commits."""
    by_participant = {a.participant_id: a for a in db.session.scalars(
        select(AccessArrangement).where(
            AccessArrangement.participant_id.in_({e.participant_id for e in entries}),
            AccessArrangement.ended_at.is_(None)))}
    changed = []
    for entry in entries:
        arrangement = by_participant.get(entry.participant_id)
        if arrangement is None or entry.outcome is not None or not entry.is_in_time(at):
            continue
        window = entry.window
        closes_at = arrangement_closes_at(window.closes_at, window.deadline_time,
                                          arrangement.extra_days, window.max_extension_days)
        if closes_at is None or closes_at <= entry.closes_at:
            continue
        reason = _reason(arrangement, entry)
        entry.extended_closes_at = closes_at
        db.session.add(Extension(entry_id=entry.id, closes_at=closes_at, reason=reason,
                                 granted_by=arrangement.recorded_by, granted_at=at))
        audit.record("extension.granted", window_id=entry.window_id,
                     participant_id=entry.participant_id, until=closes_at.isoformat(),
                     reason=reason, access_arrangement=arrangement.id)
        changed.append(entry)
    return changed


def _reason(arrangement: AccessArrangement, entry: Entry) -> str:
    limit = entry.window.max_extension_days
    if capped(arrangement.extra_days, limit):
        return (f"Access arrangement: {arrangement.extra_days} extra days, limited to this "
                f"window's {limit}")
    return f"Access arrangement: {arrangement.extra_days} extra days"
