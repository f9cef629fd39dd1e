"""Recording attempt outcomes: every route that changes a fact calls `settle`, which gathers
all the facts, asks the one rule (attempt_outcome.decide) and records what it says.

A change to an outcome already in the DfE return is an amendment (kept, audited, emailed, and
marked in the return); an attempt whose earlier attempt becomes a pass is withdrawn (voided if
already sat) and its participant told. Services here flush; the caller commits.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased, contains_eager

from ..attempt_outcome import AttemptFacts, Decided, Rule, decide
from ..attempts import AttemptOutcome
from ..deadlines import last_minute
from ..dfe_return import dfe_outcome
from ..extensions import db
from ..misconduct import Appeal, Decision
from ..models import (
    AssessmentWindow,
    DeferralRequest,
    EcClaim,
    EcDecision,
    Entry,
    MisconductCase,
    Outcome,
    OutcomeAmendment,
    OutcomeRuling,
    RequestStatus,
    ReviewRequest,
    ReviewStatus,
    SubmissionVersion,
    User,
)
from . import audit, dfe_outbox, notifications
from .checking import final_results


@dataclass(frozen=True)
class Change:
    """One attempt whose recorded outcome changed, and the amendment that records it, if any."""

    entry: Entry
    before: str | None
    after: str | None
    rule: Rule
    amendment: OutcomeAmendment | None


def _ids(query) -> set[int]:
    return set(db.session.scalars(query))


def facts_for(entries: list[Entry], at: datetime,
              gate_lost: frozenset[int] = frozenset()) -> dict[int, AttemptFacts]:
    """The facts of each attempt, in a fixed number of statements however many there are.
    `gate_lost`: attempts the engagement gate finds below 90% at this moment."""
    ids = [e.id for e in entries]
    if not ids:
        return {}
    deferred = _ids(select(DeferralRequest.entry_id).where(
        DeferralRequest.entry_id.in_(ids), DeferralRequest.status == RequestStatus.AGREED))
    deferred |= _ids(select(EcClaim.entry_id).where(EcClaim.entry_id.in_(ids),
                                                    EcClaim.decision == EcDecision.DEFER))
    voided = _ids(select(EcClaim.entry_id).where(EcClaim.entry_id.in_(ids),
                                                 EcClaim.decision == EcDecision.VOID))
    ec_pending = _ids(select(EcClaim.entry_id).where(EcClaim.entry_id.in_(ids),
                                                     EcClaim.decided_at.is_(None)))
    upheld = _ids(select(MisconductCase.entry_id).where(
        MisconductCase.entry_id.in_(ids), MisconductCase.decision == Decision.UPHELD.value,
        MisconductCase.appeal_decision.is_distinct_from(Appeal.ALLOWED.value)))
    submitted = _ids(select(SubmissionVersion.entry_id).where(
        SubmissionVersion.entry_id.in_(ids)).distinct())
    earlier = aliased(Entry)
    earlier_window = aliased(AssessmentWindow)
    earlier_passed = _ids(
        select(Entry.id).join(AssessmentWindow, AssessmentWindow.id == Entry.window_id)
        .join(earlier, and_(earlier.participant_id == Entry.participant_id,
                            earlier.npq_code == Entry.npq_code, earlier.id != Entry.id,
                            earlier.outcome == AttemptOutcome.PASSED.value))
        .join(earlier_window, earlier_window.id == earlier.window_id)
        .where(Entry.id.in_(ids), earlier_window.release_at < AssessmentWindow.release_at))
    rulings = _latest_rulings(ids)
    marked = _marked(ids, rulings)
    ruled_void = {e for e, (outcome, _) in rulings.items()
                  if outcome == AttemptOutcome.VOIDED.value}
    out = {}
    for entry in entries:
        window = entry.window
        deadline_passed = entry.entered and not entry.is_in_time(at)
        out[entry.id] = AttemptFacts(
            deferred=entry.id in deferred,
            earlier_passed=entry.id in earlier_passed,
            misconduct_upheld=entry.id in upheld,
            voided=entry.id in voided or entry.id in ruled_void,
            lost_at_gate=entry.id in gate_lost or AttemptOutcome.LOST_ENGAGEMENT.value in (
                entry.outcome, entry.reported_outcome),
            submitted=entry.id in submitted,
            deadline_passed=deadline_passed,
            ec_pending=entry.id in ec_pending,
            # An attempt's result is due once the window's are out and its own deadline passed.
            results_out=window.results_recorded_at is not None and deadline_passed,
            marked_pass=marked.get(entry.id),
            reported=entry.reported_outcome is not None,
        )
    return out


def _latest_rulings(ids) -> dict[int, tuple[str, datetime]]:
    latest = {}
    for ruling in db.session.scalars(select(OutcomeRuling).where(OutcomeRuling.entry_id.in_(ids))
                                     .order_by(OutcomeRuling.ruled_at, OutcomeRuling.id)):
        latest[ruling.entry_id] = (ruling.outcome, ruling.ruled_at)
    return latest


def _marked(ids, rulings: dict[int, tuple[str, datetime]]) -> dict[int, bool]:
    """Pass (True) or fail (False) from the marks: first marking, second marking and moderation,
    then the latest of a completed review of marking and an admin's pass or fail ruling."""
    marked = {k: r.outcome is Outcome.PASS for k, r in final_results(ids).items()}
    latest: dict[int, tuple[datetime, bool]] = {}
    for entry_id, outcome, when in db.session.execute(
            select(ReviewRequest.entry_id, ReviewRequest.outcome, ReviewRequest.completed_at)
            .where(ReviewRequest.entry_id.in_(ids),
                   ReviewRequest.status == ReviewStatus.COMPLETED)):
        latest[entry_id] = (when, outcome is Outcome.PASS)
    for entry_id, (outcome, when) in rulings.items():
        if outcome != AttemptOutcome.VOIDED.value and (
                entry_id not in latest or when >= latest[entry_id][0]):
            latest[entry_id] = (when, outcome == AttemptOutcome.PASSED.value)
    return marked | {k: passed for k, (_, passed) in latest.items()}


def _completed_at(entry: Entry, decided: Decided, at: datetime) -> datetime | None:
    """When the attempt ended, for the DfE return: the release of its result, the last minute
    of its deadline, the engagement deadline, or the moment of the decision."""
    window = entry.window
    if decided.outcome is None:
        return None
    if decided.rule in (Rule.MARKS, Rule.MISCONDUCT) and entry.reported_outcome is None \
            and window.results_recorded_at is not None and at <= window.results_recorded_at:
        return window.results_release_at  # recorded at the window's release
    if decided.rule is Rule.NOT_SUBMITTED:
        return last_minute(entry.closes_at)
    if decided.rule is Rule.LOST_AT_GATE and window.engagement_deadline is not None:
        return window.engagement_deadline
    return at


def settle(entries: list[Entry], at: datetime, actor: User | None = None, why: str = "",
           gate_lost: frozenset[int] = frozenset(),
           completed_at: datetime | None = None) -> list[Change]:
    """Work out each attempt's outcome again from all the facts and record any change; then
    the same for later attempts at the NPQ of anyone whose pass came or went. `why` is the
    reason an amendment gives; `completed_at` keeps a date an admin chose to keep."""
    changes = []
    facts = facts_for(entries, at, gate_lost)
    for entry in entries:
        decided = decide(facts[entry.id])
        before = entry.outcome
        entry.outcome_rule = decided.rule.value
        if decided.outcome == before:
            continue
        ended = completed_at if completed_at is not None and decided.outcome else \
            _completed_at(entry, decided, at)
        entry.outcome = decided.outcome.value if decided.outcome else None
        entry.completed_at = ended
        amendment = _report(entry, decided, ended, actor, why or _RULE_WHY[decided.rule], at)
        audit.record("attempt.outcome", actor=actor, window_id=entry.window_id,
                     participant_id=entry.participant_id, entry=entry.id, before=before,
                     after=entry.outcome, rule=decided.rule.value,
                     amended=amendment is not None)
        changes.append(Change(entry, before, entry.outcome, decided.rule, amendment))
    db.session.flush()
    dfe_outbox.queue_for([c.entry for c in changes], at)  # the same facts as the DfE return
    passes_moved = [c.entry for c in changes if AttemptOutcome.PASSED.value in (c.before, c.after)]
    if passes_moved:
        later = _later_attempts(passes_moved)
        for change in settle(later, at, actor, "An earlier attempt at this NPQ has passed"):
            changes.append(change)
            if change.amendment is None and change.after == AttemptOutcome.WITHDRAWN.value:
                notifications.resit_withdrawn(change.entry, at)
    return changes


_RULE_WHY = {
    Rule.MISCONDUCT: "Academic misconduct was found",
    Rule.VOIDED: "The attempt was voided",
    Rule.SUPERSEDED: "An earlier attempt at this NPQ has passed",
    Rule.NO_LONGER_COUNTS: "The attempt no longer counts",
    Rule.NOT_SUBMITTED: "Nothing was submitted by the deadline",
    Rule.LOST_AT_GATE: "Engagement was below 90% at the engagement deadline",
    Rule.MARKS: "The marking changed the outcome",
    Rule.DEFERRED: "The attempt was deferred",
    Rule.WITHDRAWN: "The attempt was withdrawn",
    Rule.IN_PROGRESS: "The attempt is running again",
}


def _report(entry: Entry, decided: Decided, ended: datetime | None, actor: User | None,
            why: str, at: datetime) -> OutcomeAmendment | None:
    """Keep what the DfE return shows in step: a new DfE state is recorded, and a change to one
    already reported is an amendment (the participant is emailed)."""
    state = dfe_outcome(entry.outcome)
    if state is None:  # running again (a late extension): the reported row stays as it was
        return None
    previous, previous_at = entry.reported_outcome, entry.reported_completed_at
    entry.reported_outcome, entry.reported_completed_at = entry.outcome, ended
    if previous is None or dfe_outcome(previous) == state:
        return None
    amendment = OutcomeAmendment(
        entry_id=entry.id, previous_outcome=previous, previous_completed_at=previous_at,
        new_outcome=state.value, new_completed_at=ended, reason=why.strip(),
        amended_by=actor.id if actor else None, amended_at=at)
    db.session.add(amendment)
    audit.record("outcome.amended", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, entry=entry.id, before=previous,
                 after=state.value, completed_at=ended.isoformat(), reason=amendment.reason)
    notifications.outcome_amended(entry, amendment, at)
    return amendment


def _later_attempts(entries: list[Entry]) -> list[Entry]:
    """Attempts at the same NPQ by the same people, in windows released after these: one
    statement, however many results a release records."""
    first = {(e.participant_id, e.npq_code): e.window.release_at for e in entries}
    candidates = db.session.scalars(
        select(Entry).join(AssessmentWindow, AssessmentWindow.id == Entry.window_id)
        .where(Entry.participant_id.in_({p for p, _ in first}),
               Entry.id.not_in([e.id for e in entries]))
        .options(contains_eager(Entry.window))).all()
    return [e for e in candidates if (e.participant_id, e.npq_code) in first
            and e.window.release_at > first[e.participant_id, e.npq_code]]


def outcome_if(entry: Entry, at: datetime, **changed) -> str | None:
    """The outcome the rule would give the attempt were these facts changed: what a check
    before a decision shows."""
    decided = decide(replace(facts_for([entry], at)[entry.id], **changed)).outcome
    return decided.value if decided else None


def recorded_matches_rule(entries: list[Entry], at: datetime) -> dict[int, tuple]:
    """Entries whose recorded outcome differs from what the rule says now: (recorded, rule's).
    For checks and tests: after every route has run, this is empty."""
    facts = facts_for(entries, at)
    out = {}
    for entry in entries:
        decided = decide(facts[entry.id]).outcome
        if (decided.value if decided else None) != entry.outcome:
            out[entry.id] = (entry.outcome, decided)
    return out

