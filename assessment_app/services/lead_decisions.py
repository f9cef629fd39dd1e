"""The assessment lead's decisions on a marker's standardisation: each recorded with its reason,
and carried out (clearing a marker, feedback, second marking of their scripts since their last
good seed, or stopping them, their unmarked scripts returned to the pool)."""

from datetime import datetime

from sqlalchemy import select

from .. import standardisation as rules
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    DefinitiveScript,
    Entry,
    LeadAction,
    LeadDecision,
    Mark,
    MarkingRole,
    SampleReason,
    SecondMarkingSample,
    Seed,
    User,
)
from . import allocations, audit
from .marking_error import MarkingError
from .standardisation import MarkerRecord, records, seed_state

ALLOWED = {
    rules.Standing.NOT_QUALIFIED: {LeadAction.CLEAR},
    rules.Standing.STOPPED: {LeadAction.CLEAR},
    rules.Standing.FLAGGED: {LeadAction.FEEDBACK, LeadAction.SECOND_MARK, LeadAction.STOP},
    rules.Standing.LIVE: {LeadAction.STOP},
}


def decide(window: AssessmentWindow, npq_code: str, marker: User, action: LeadAction,
           reason: str, actor: User, at: datetime) -> LeadDecision:
    """Record the lead's decision with its reason, and do what it says. Audited."""
    record = records(window, [marker.id]).get((marker.id, npq_code))
    if not reason.strip():
        raise MarkingError("Give the reason for your decision.")
    if record is None or action not in ALLOWED.get(record.standing, set()):
        standing = record.standing.value if record else "not marking this NPQ"
        raise MarkingError(f"{marker.name} is {standing}: you cannot {action.value.replace('_', ' ')} now.")
    if action is LeadAction.SECOND_MARK and window.results_recorded_at is not None:
        raise MarkingError("Results are out: ask for a review of marking instead.")
    decision = LeadDecision(window_id=window.id, npq_code=npq_code, marker_id=marker.id,
                            action=action, reason=reason.strip(), decided_by=actor.id,
                            decided_at=at)
    db.session.add(decision)
    remark, unmarked = [], []
    if action is LeadAction.SECOND_MARK:
        remark = _since_last_good_seed(window, npq_code, marker, record)
        for entry_id in remark:
            db.session.add(SecondMarkingSample(entry_id=entry_id, reason=SampleReason.DRIFT,
                                               drawn_at=at))
        decision.remarked = len(remark)
    if action is LeadAction.STOP:
        live, seeds = _unmarked(window, npq_code, marker), _unmarked_seeds(window, npq_code, marker)
        # Their live scripts go back to the pool; their seeds are withdrawn, never offered again.
        for script in (*live, *seeds):
            script.status = AllocationStatus.RETURNED
            script.returned_at, script.return_reason = at, "marker stopped by the lead"
        unmarked = [allocation.entry_id for allocation in live]
    audit.record(f"standardisation.{action.value}", actor=actor, window_id=window.id,
                 marker=marker.id, npq=npq_code, reason=decision.reason,
                 remarked=len(remark), returned=len(unmarked))
    db.session.flush()
    if remark:
        allocations.allocate_window(window, at, actor, MarkingRole.SECOND, set(remark))
    if unmarked:
        allocations.allocate_window(window, at, actor, MarkingRole.FIRST, set(unmarked))
    return decision


def _unmarked(window, npq_code, marker) -> list[Allocation]:
    return list(db.session.scalars(
        select(Allocation).join(Entry, Entry.id == Allocation.entry_id)
        .where(Entry.window_id == window.id, Entry.npq_code == npq_code,
               Allocation.marker_id == marker.id,
               Allocation.status == AllocationStatus.ALLOCATED)))


def _unmarked_seeds(window, npq_code, marker) -> list[Seed]:
    return list(db.session.scalars(
        select(Seed).join(DefinitiveScript, DefinitiveScript.id == Seed.definitive_id)
        .where(Seed.window_id == window.id, DefinitiveScript.npq_code == npq_code,
               Seed.marker_id == marker.id, Seed.status == AllocationStatus.ALLOCATED)))


def _since_last_good_seed(window, npq_code, marker, record: MarkerRecord) -> list[int]:
    """The marker's first-marked scripts submitted after their last seed within tolerance,
    not already drawn for second marking."""
    since = rules.last_good_seed(map(seed_state, record.seeds))
    query = (select(Allocation.entry_id).join(Mark, Mark.allocation_id == Allocation.id)
             .join(Entry, Entry.id == Allocation.entry_id)
             .where(Entry.window_id == window.id, Entry.npq_code == npq_code,
                    Allocation.marker_id == marker.id, Allocation.role == MarkingRole.FIRST,
                    Allocation.status == AllocationStatus.SUBMITTED))
    if since is not None:
        query = query.where(Mark.submitted_at > since)
    drawn = select(SecondMarkingSample.entry_id)
    seconded = select(Allocation.entry_id).where(Allocation.role == MarkingRole.SECOND,
                                                 Allocation.status != AllocationStatus.RETURNED)
    return sorted(db.session.scalars(query.where(Allocation.entry_id.not_in(drawn),
                                                 Allocation.entry_id.not_in(seconded))))
