"""Academic-misconduct cases: opened, evidenced and decided by admins, every step audited.

A decision, or an appeal's outcome, is a fact the outcome rule weighs (attempt_outcome.py):
outcomes.settle records what follows (failed once results are out, an amendment if the
result was already reported). Services flush; the request commits.
"""

import hashlib
from datetime import datetime

from sqlalchemy import select

from ..evidence_files import check_evidence
from ..extensions import db
from ..misconduct import (
    APPEAL_TEXT,
    Appeal,
    Applied,
    DecisionRefused,
    check_appeal,
    check_decision,
    how_applied,
)
from ..models import Entry, MisconductCase, MisconductEvidence, User
from . import audit, notifications, outcomes


def open_case(entry: Entry, reason: str, actor: User, at: datetime) -> MisconductCase:
    """The attempt's case: the one already open, or a new one with the reason it is opened."""
    case = case_of(entry)
    if case is not None:
        return case
    if not reason.strip():
        raise DecisionRefused("Give the reason for opening the case.")
    case = MisconductCase(entry_id=entry.id, opening_reason=reason.strip(), opened_by=actor.id,
                          opened_at=at)
    db.session.add(case)
    db.session.flush()
    audit.record("misconduct.opened", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, case=case.id, entry=entry.id,
                 reason=case.opening_reason)
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
    return item


def decide(case: MisconductCase, decision: str, reason: str, actor: User, at: datetime) -> Applied:
    """Record the decision; an upheld case fails the attempt (misconduct.how_applied says how)."""
    chosen = check_decision(case.decided_at is not None, decision, reason)
    entry = case.entry
    applied = how_applied(chosen, entry.window.results_recorded_at is not None, entry.outcome)
    # Every value read before the first is set: a read that loads a row would autoflush a
    # half-made decision into the CHECK constraint that wants all of it.
    values = {"decision": chosen.value, "reason": reason.strip(), "decided_by": actor.id,
              "decided_at": at}
    for name, value in values.items():
        setattr(case, name, value)
    audit.record("misconduct.decided", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, case=case.id, decision=chosen.value,
                 reason=case.reason, applied=applied.value)
    db.session.flush()
    outcomes.settle([entry], at, actor, f"Academic misconduct: {case.reason}")
    return applied


def decide_appeal(case: MisconductCase, appeal: str, reason: str, actor: User,
                  at: datetime) -> Appeal:
    """Record the outcome of the participant's appeal: the only route that lifts the fail."""
    chosen = check_appeal(case.decision, case.appeal_decided_at is not None, appeal, reason)
    entry = case.entry
    values = {"appeal_decision": chosen.value, "appeal_reason": reason.strip(),
              "appeal_decided_by": actor.id, "appeal_decided_at": at}
    for name, value in values.items():  # all read first, as in decide
        setattr(case, name, value)
    audit.record("misconduct.appeal_decided", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, case=case.id, appeal=chosen.value,
                 reason=case.appeal_reason)
    db.session.flush()
    changes = outcomes.settle([entry], at, actor, f"Misconduct appeal allowed: {case.appeal_reason}")
    if not any(c.amendment for c in changes):
        notifications.decision(entry, "appeal against the academic misconduct decision",
                               APPEAL_TEXT[chosen].lower(), case.appeal_reason,
                               f"/assessments/{entry.id}/result", at,
                               kind="misconduct_appeal_decision")
    return chosen


def case_of(entry: Entry) -> MisconductCase | None:
    return db.session.scalar(select(MisconductCase).where(MisconductCase.entry_id == entry.id))


def evidence_viewed(item: MisconductEvidence, actor: User) -> None:
    entry = item.case.entry
    audit.record("misconduct.evidence_viewed", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, case=item.case_id, evidence=item.id,
                 filename=item.filename)
