"""Academic-misconduct cases: opened, evidenced and decided by admins, every step audited.

How a decision reaches the attempt is misconduct.how_applied: marking.record_results records
an upheld case's attempt as failed, and after results an amendment does (amendments.py).
"""

import hashlib
from datetime import datetime

from sqlalchemy import select

from ..dfe_return import AmendmentRefused
from ..evidence_files import check_evidence
from ..extensions import db
from ..misconduct import (
    UPHELD_OUTCOME,
    Applied,
    Decision,
    DecisionRefused,
    check_decision,
    how_applied,
)
from ..models import Entry, MisconductCase, MisconductEvidence, User
from . import amendments, audit


def open_case(entry: Entry, actor: User, at: datetime) -> MisconductCase:
    """The attempt's case: the one already open, or a new one."""
    case = db.session.scalar(select(MisconductCase).where(MisconductCase.entry_id == entry.id))
    if case is not None:
        return case
    case = MisconductCase(entry_id=entry.id, opened_by=actor.id, opened_at=at)
    db.session.add(case)
    db.session.flush()
    audit.record("misconduct.opened", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, case=case.id, entry=entry.id)
    db.session.commit()
    return case


def add_evidence(case: MisconductCase, note: str, file: tuple[str, bytes] | None, actor: User,
                 at: datetime) -> MisconductEvidence:
    """A note, with a file if given (checked as EC evidence is: EvidenceRejected says why)."""
    if not note.strip():
        raise DecisionRefused("Describe the evidence.")
    item = MisconductEvidence(case_id=case.id, note=note.strip(), added_by=actor.id, added_at=at)
    if file is not None:
        checked = check_evidence(*file)
        item.filename, item.content_type = checked.filename, checked.content_type
        item.data, item.size = checked.data, len(checked.data)
        item.sha256 = hashlib.sha256(checked.data).hexdigest()
    db.session.add(item)
    db.session.flush()
    audit.record("misconduct.evidence_added", actor=actor, window_id=case.entry.window_id,
                 participant_id=case.entry.participant_id, case=case.id, evidence=item.id,
                 filename=item.filename, sha256=item.sha256)
    db.session.commit()
    return item


def decide(case: MisconductCase, decision: str, reason: str, actor: User, at: datetime) -> Applied:
    """Record the decision; an upheld case fails the attempt (misconduct.how_applied)."""
    chosen = check_decision(case.decided_at is not None, decision, reason)
    entry = case.entry
    applied = how_applied(chosen, entry.window.results_recorded_at is not None, entry.outcome)
    case.decision, case.reason = chosen.value, reason.strip()
    case.decided_by, case.decided_at = actor.id, at
    audit.record("misconduct.decided", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, case=case.id, decision=chosen.value,
                 reason=case.reason, applied=applied.value)
    if applied is Applied.AMEND:
        try:
            # Commits the decision with the amendment, which is audited and emailed too.
            amendments.amend_outcome(entry, UPHELD_OUTCOME.value, False,
                                     f"Academic misconduct: {case.reason}", actor, at)
        except AmendmentRefused as problem:
            db.session.rollback()
            raise DecisionRefused(str(problem)) from None
    else:
        db.session.commit()
    return applied


def upheld_entries(window_id: int) -> set[int]:
    """The window's attempts with an upheld misconduct case: one statement."""
    return set(db.session.scalars(
        select(MisconductCase.entry_id).join(Entry, Entry.id == MisconductCase.entry_id)
        .where(Entry.window_id == window_id, MisconductCase.decision == Decision.UPHELD.value)))


def evidence_viewed(item: MisconductEvidence, actor: User) -> None:
    entry = item.case.entry
    audit.record("misconduct.evidence_viewed", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, case=item.case_id, evidence=item.id,
                 filename=item.filename)
    db.session.commit()
