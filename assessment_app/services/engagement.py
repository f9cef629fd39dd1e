"""What the 90% gate reads: engagement figures, the deadline's London day, and exemptions;
and what it does to an entry waiting at it (apply_gate).

Used both at an engagement deadline (services/eligibility) and at the moment of entry for a
window with no engagement deadline still to come (services/windows), so the gate always applies;
and when an admin removes an engagement deadline, to the entries that waited for it.
"""

from datetime import date, datetime

from sqlalchemy import select

from .. import attempts
from ..extensions import db
from ..models import (
    AssessmentWindow,
    EngagementExemption,
    EngagementRecord,
    Entry,
    User,
    WindowPaper,
)
from . import audit, notifications, outcomes


class ExemptionError(Exception):
    """An exemption that cannot be recorded; the message says why."""


def latest_engagement(participant_id: int, npq_code: str,
                      by: date | None = None) -> EngagementRecord | None:
    query = select(EngagementRecord).where(EngagementRecord.participant_id == participant_id,
                                           EngagementRecord.npq_code == npq_code)
    if by is not None:
        query = query.where(EngagementRecord.as_of <= by)
    return db.session.scalar(query.order_by(EngagementRecord.as_of.desc(),
                                            EngagementRecord.id.desc()).limit(1))


def exemption_for(participant_id: int, window_id: int) -> EngagementExemption | None:
    return db.session.scalar(select(EngagementExemption).where(
        EngagementExemption.participant_id == participant_id,
        EngagementExemption.window_id == window_id))


def below_gate(participant_id: int, npq_code: str, window: AssessmentWindow,
               by: date | None = None) -> str | None:
    """Why this participant does not pass the 90% gate for this window, or None if they do."""
    if exemption_for(participant_id, window.id) is not None:
        return None
    record = latest_engagement(participant_id, npq_code, by=by)
    if record is None:
        return (f"no engagement figure has been imported for {npq_code}, and "
                f"{attempts.ENGAGEMENT_THRESHOLD}% is needed")
    if not attempts.meets_engagement(record.percent):
        return (f"engagement is {record.percent:g}% (as of {record.as_of:%-d %B %Y}), below the "
                f"{attempts.ENGAGEMENT_THRESHOLD}% needed")
    return None


def apply_gate(entries: list[Entry], at: datetime, by: date | None = None,
               when: str = "at the engagement deadline") -> dict[int, str]:
    """The 90% gate for entries waiting at it: each at 90% or more (or with an exemption) is
    entered; for the rest the outcome rule records the attempt lost (it counts). Each audited
    and emailed. Returns why each lost entry was lost, by entry id."""
    lost = {}
    for entry in entries:
        problem = below_gate(entry.participant_id, entry.npq_code, entry.window, by=by)
        if problem is None:
            entry.entered = True
            audit.record("participant.entered", window_id=entry.window_id,
                         participant_id=entry.participant_id, reason="engagement gate")
            notifications.entered(entry, at)
        else:
            lost[entry.id] = problem
    db.session.flush()
    for change in outcomes.settle([e for e in entries if e.id in lost], at,
                                  gate_lost=frozenset(lost)):
        entry = change.entry
        audit.record("attempt.lost", window_id=entry.window_id,
                     participant_id=entry.participant_id,
                     reason=f"{when} {lost[entry.id]}, and no deferral agreed")
        notifications.engagement_lost(entry, lost[entry.id], at)
    return lost


def record_exemption(participant: User, window: AssessmentWindow, reason: str, actor: User,
                     at: datetime) -> EngagementExemption:
    """Let one participant be entered for one window below 90%; always with a reason, audited."""
    if window.paper_for(participant.programme or "") is None:
        raise ExemptionError(f"{window.name} does not serve {participant.name}'s programme.")
    if not reason.strip():
        raise ExemptionError("Give the reason for the exemption.")
    if exemption_for(participant.id, window.id) is not None:
        raise ExemptionError(f"{participant.name} already has an exemption for {window.name}.")
    exemption = EngagementExemption(participant_id=participant.id, window_id=window.id,
                                    reason=reason.strip(), granted_by=actor.id, granted_at=at)
    db.session.add(exemption)
    audit.record("engagement.exempted", actor=actor, window_id=window.id,
                 participant_id=participant.id, reason=reason.strip())
    db.session.flush()
    return exemption


def exemptions_of(participant_id: int) -> list[EngagementExemption]:
    return list(db.session.scalars(
        select(EngagementExemption).where(EngagementExemption.participant_id == participant_id)
        .order_by(EngagementExemption.granted_at)))


def exemption_windows(participant: User, at: datetime) -> list[AssessmentWindow]:
    """Windows an exemption can be recorded for: serving the participant's NPQ, not yet closed,
    and without one already."""
    return list(db.session.scalars(
        select(AssessmentWindow).join(WindowPaper)
        .where(WindowPaper.npq_code == participant.programme, AssessmentWindow.closes_at > at,
               AssessmentWindow.id.not_in(select(EngagementExemption.window_id).where(
                   EngagementExemption.participant_id == participant.id)))
        .order_by(AssessmentWindow.release_at)))
