"""Access arrangements: recorded once with evidence, applied to every window entered.

An arrangement gives each running attempt an extension of its extra days (services/extensions
.apply_arrangements), which the one deadline rule weighs with every other extension; no EC
claim is needed. Markers never see any of it. Services flush; the request commits.
"""

from datetime import datetime

from sqlalchemy import select

from ..access_arrangements import MAX_EXTRA_DAYS
from ..evidence_files import EvidenceRejected, check_files
from ..extensions import db
from ..models import AccessArrangement, ArrangementEvidence, Entry, User
from . import audit, deadline_extensions, notifications


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
    for entry in deadline_extensions.apply_arrangements(running, at):
        if entry.entered:
            notifications.extension_granted(
                entry, deadline_extensions.arrangement_reason(arrangement, entry), at)
    return arrangement


def end_arrangement(arrangement: AccessArrangement, actor: User, at: datetime) -> None:
    """Stop applying the arrangement to windows entered from now on (deadlines already given
    stay: taking time back from someone mid-assessment would hurt them)."""
    if arrangement.ended_at is not None:
        raise ArrangementRefused("This arrangement has already ended.")
    arrangement.ended_at = at
    audit.record("access_arrangement.ended", actor=actor, participant_id=arrangement.participant_id)
