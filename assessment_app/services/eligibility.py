"""Engagement, the entry gate, deferrals, non-submission, EC claims and extensions.

Every decision here is recorded in the audit trail with who, when and why, and shows in
the participant's timeline. What a decision does to the attempt's outcome is the one rule's
(outcomes.settle). Services flush; the request or the scheduler duty commits.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, select, union

from .. import attempts
from ..clock import to_london
from ..csv_imports import ImportRefused, check_no_formulas, chunked, read_rows
from ..deadlines import deadline_day
from ..evidence_files import EvidenceRejected, check_files
from ..extensions import db
from ..models import (
    AssessmentWindow,
    DeferralRequest,
    EcCategory,
    EcClaim,
    EcDecision,
    EcEvidence,
    EngagementRecord,
    Entry,
    RequestStatus,
    Role,
    SubmissionVersion,
    User,
)
from ..npqs import NPQ_CODES
from ..timeformat import deadline_text
from . import audit, deadline_extensions, notifications, outcomes
from .candidate_numbers import new_candidate_number
from .engagement import (
    apply_gate,
    below_gate,
    latest_engagement,  # noqa: F401  (pages read it from here)
)
from .papers import has_read


class EligibilityError(Exception):
    """An action that cannot be done; the message says why, `field` which form field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# Engagement ---------------------------------------------------------------------------

ENGAGEMENT_COLUMNS = ("participant", "programme", "percent_complete", "as_of")


def _parse_date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError


def import_engagement(data: bytes, filename: str, actor: User, at: datetime) -> int:
    """Import engagement figures from the learning platform's CSV, all rows or none."""
    rows = read_rows(data, ENGAGEMENT_COLUMNS)
    keys = list({r["participant"].lower() for _, r in rows})
    ids = [int(k) for k in keys if k.isdigit()]
    users = [u for some in chunked(keys) for u in db.session.scalars(
        select(User).where(func.lower(User.email).in_(some)))]
    users += [u for some in chunked(ids) for u in db.session.scalars(
        select(User).where(User.id.in_(some)))]
    by_key = {u.email: u for u in users} | {str(u.id): u for u in users}
    problems, records, seen = [], [], {}
    today = to_london(at).date()
    for line, row in rows:
        try:
            check_no_formulas(row)
        except ValueError as problem:
            problems.append(f"Line {line}: {problem}")
            continue
        user = by_key.get(row["participant"].lower())
        if user is None or user.role is not Role.PARTICIPANT:
            problems.append(f"Line {line}: no participant “{row['participant']}”.")
            continue
        npq = row["programme"].upper()
        if npq not in NPQ_CODES:
            problems.append(f"Line {line}: “{row['programme']}” is not an NPQ code.")
            continue
        try:
            percent = float(row["percent_complete"].rstrip("%"))
            if not 0 <= percent <= 100:
                raise ValueError
        except ValueError:
            problems.append(f"Line {line}: percent_complete must be a number from 0 to 100.")
            continue
        try:
            as_of = _parse_date(row["as_of"])
        except ValueError:
            problems.append(f"Line {line}: as_of must be a date like 2026-11-20.")
            continue
        if as_of > today:
            problems.append(f"Line {line}: as_of {as_of:%d/%m/%Y} is in the future.")
            continue
        if npq != user.programme:
            problems.append(f"Line {line}: {user.name} ({user.email}) is on "
                            f"{user.programme or 'no programme'}, not {npq}.")
            continue
        if (user.id, npq) in seen:
            problems.append(f"Line {line}: {user.email} appears twice for {npq} "
                            f"(first on line {seen[user.id, npq]}).")
            continue
        seen[user.id, npq] = line
        records.append(EngagementRecord(participant_id=user.id, npq_code=npq, percent=percent,
                                        as_of=as_of, imported_at=at, imported_by=actor.id,
                                        source=filename))
    if problems:
        raise ImportRefused(problems)
    db.session.add_all(records)
    audit.record("engagement.imported", actor=actor, file=filename, rows=len(records))
    db.session.flush()
    return len(records)


def _waiting_at_gate(at: datetime):
    """Entries waiting at an engagement deadline that has come, with no deferral request open."""
    return (select(Entry).join(AssessmentWindow)
            .where(AssessmentWindow.engagement_deadline <= at, Entry.entered.is_(False),
                   Entry.outcome.is_(None),
                   ~exists().where(DeferralRequest.entry_id == Entry.id,
                                   DeferralRequest.status == RequestStatus.PENDING)))


def _unsubmitted_after_deadline(at: datetime):
    """Entered attempts of closed windows with nothing submitted and no EC claim undecided."""
    return (select(Entry).join(AssessmentWindow)
            .where(AssessmentWindow.closes_at <= at, Entry.entered.is_(True),
                   Entry.outcome.is_(None),
                   ~exists().where(SubmissionVersion.entry_id == Entry.id),
                   ~exists().where(EcClaim.entry_id == Entry.id, EcClaim.decided_at.is_(None))))


def windows_with_gate_or_non_submissions(at: datetime) -> list[int]:
    """The windows the two duties below have work in now, for the scheduler to run one by one."""
    return sorted(set(db.session.scalars(
        union(_waiting_at_gate(at).with_only_columns(Entry.window_id),
              _unsubmitted_after_deadline(at).with_only_columns(Entry.window_id)))))


def apply_engagement_gate(at: datetime, window_id: int | None = None) -> list[int]:
    """At each engagement deadline, enter those at 90% or more; the rest lose the attempt
    (unless a deferral request is waiting). Idempotent, and caught up on start-up."""
    query = _waiting_at_gate(at)
    if window_id is not None:
        query = query.where(Entry.window_id == window_id)
    waiting = db.session.scalars(query).all()
    for window_id in {e.window_id for e in waiting}:
        here = [e for e in waiting if e.window_id == window_id]
        # Figures dated up to the deadline's London day count (not its UTC day).
        apply_gate(here, at, by=deadline_day(here[0].window.engagement_deadline))
    return [e.id for e in waiting]


# Deferral -----------------------------------------------------------------------------


def request_deferral(entry: Entry, reason: str, actor: User, at: datetime) -> DeferralRequest:
    window = entry.window
    if entry.entered or entry.outcome is not None:
        raise EligibilityError("A deferral can only be asked for before you are entered. "
                               "If something affects you during the assessment, make an "
                               "extenuating circumstances claim instead.")
    if window.engagement_deadline is None or at >= window.engagement_deadline:
        raise EligibilityError("The engagement deadline has passed, so a deferral can no longer "
                               "be requested. You can make an extenuating circumstances claim.")
    if not reason.strip():
        raise EligibilityError("Tell us why you are asking to defer.")
    if db.session.scalar(select(DeferralRequest.id).where(
            DeferralRequest.entry_id == entry.id, DeferralRequest.status == RequestStatus.PENDING)):
        raise EligibilityError("You have already asked to defer; an admin will decide soon.")
    request = DeferralRequest(entry_id=entry.id, reason=reason.strip(), requested_at=at,
                              requested_by=actor.id)
    db.session.add(request)
    audit.record("deferral.requested", actor=actor, window_id=window.id,
                 participant_id=entry.participant_id, reason=reason.strip())
    db.session.flush()
    return request


def later_windows(entry: Entry, at: datetime) -> list[AssessmentWindow]:
    """Windows a deferral can move this entry to (see move_problem), soonest first."""
    from ..models import WindowPaper

    candidates = db.session.scalars(
        select(AssessmentWindow).join(WindowPaper)
        .where(WindowPaper.npq_code == entry.npq_code, AssessmentWindow.release_at > at)
        .order_by(AssessmentWindow.release_at)
    ).all()
    return [window for window in candidates if move_problem(entry, window, at) is None]


def move_problem(entry: Entry, window: AssessmentWindow, at: datetime) -> str | None:
    """Why this entry cannot be moved to that window, or None: the window must come later, not
    be released yet (the participant starts it fresh), serve the NPQ, and not give them a paper
    they have already read."""
    paper = window.paper_for(entry.npq_code)
    if window.id == entry.window_id or window.release_at <= entry.window.release_at:
        return f"{window.name} is not later than {entry.window.name}. Choose a later window."
    if window.is_released(at):
        return (f"{window.name} has already been released. Choose a window that has not "
                "started yet.")
    if paper is None:
        return f"{window.name} does not assess {entry.npq_code}. Choose a window that does."
    if db.session.scalar(select(Entry.id).where(Entry.window_id == window.id,
                                                Entry.participant_id == entry.participant_id)):
        return f"The participant is already entered for {window.name}."
    if paper.case_paper is not None and has_read(entry.participant_id, paper.case_paper, at):
        return (f"The participant has already read the {entry.npq_code} case study of "
                f"{window.name} (“{paper.case_study_title}”). Choose a window with a "
                "different paper.")
    return None


def decide_deferral(request: DeferralRequest, agree: bool, reason: str, actor: User, at: datetime,
                    to_window: AssessmentWindow | None = None) -> None:
    if request.status is not RequestStatus.PENDING:
        raise EligibilityError("This request has already been decided.")
    if not reason.strip():
        raise EligibilityError("Give the reason for your decision: the participant will see it.")
    entry = request.entry
    request.decided_at, request.decided_by, request.decision_reason = at, actor.id, reason.strip()
    if agree:
        if to_window is None:
            raise EligibilityError("Choose a later window that serves this NPQ.")
        request.status, request.to_window_id = RequestStatus.AGREED, to_window.id
        move_to_window(entry, to_window, at, actor, entered=False)
    else:
        request.status = RequestStatus.REFUSED
    audit.record("deferral.decided", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, decision=request.status.value,
                 reason=reason.strip(), to_window=to_window.id if agree else None)
    notifications.decision(entry, "deferral request",
                           f"agreed, moved to {to_window.name}" if agree else "refused",
                           reason.strip(), f"/assessments/{entry.id}/deferral", at)


def move_to_window(entry: Entry, window: AssessmentWindow, at: datetime, actor: User,
                   entered: bool) -> Entry:
    """Close this attempt as deferred (it does not count) and enter the participant later;
    raises EligibilityError if the window is not one later_windows offers."""
    problem = move_problem(entry, window, at)
    if problem:
        raise EligibilityError(problem)
    gate_to_come = window.engagement_deadline is not None and window.engagement_deadline > at
    if not entered and not gate_to_come:
        # No engagement gate left in that window to check them at: the 90% rule applies now.
        below = below_gate(entry.participant_id, entry.npq_code, window)
        if below:
            raise EligibilityError(
                f"{window.name} has no engagement deadline still to come and the participant's "
                f"{below}. Choose a window whose engagement deadline is still to come, or record "
                "an engagement exemption first.")
    moved = Entry(window_id=window.id, participant_id=entry.participant_id,
                  npq_code=entry.npq_code, candidate_number=new_candidate_number(),
                  entered=entered or not gate_to_come)
    db.session.add(moved)
    db.session.flush()
    outcomes.settle([entry], at, actor, f"Deferred to {window.name}")
    deadline_extensions.apply_arrangements([moved], at)
    audit.record("attempt.deferred", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, to_window=window.id)
    if moved.entered:
        notifications.entered(moved, at)
    return moved


# Non-submission -----------------------------------------------------------------------


def record_non_submissions(at: datetime, window_id: int | None = None) -> list[int]:
    """Entered attempts whose own deadline passed with nothing submitted: not submitted (it
    counts), unless an EC claim is still undecided. Idempotent."""
    query = _unsubmitted_after_deadline(at)
    if window_id is not None:
        query = query.where(Entry.window_id == window_id)
    due = db.session.scalars(query).all()
    running = [entry for entry in due if not entry.is_in_time(at)]  # not an extension's
    recorded = []
    for change in outcomes.settle(running, at):
        if change.after == attempts.AttemptOutcome.NOT_SUBMITTED:
            entry = change.entry
            audit.record("attempt.not_submitted", window_id=entry.window_id,
                         participant_id=entry.participant_id,
                         reason=f"nothing submitted by {deadline_text(entry.closes_at)}")
            notifications.not_submitted(entry, at)
            recorded.append(entry.id)
    return recorded


# Extenuating circumstances ------------------------------------------------------------


@dataclass(frozen=True)
class ClaimInput:
    category: str
    description: str
    affected_from: date
    affected_to: date
    files: list[tuple[str, bytes]]


def file_claim(entry: Entry, data: ClaimInput, actor: User, at: datetime) -> EcClaim:
    """File an EC claim with evidence; refused whole (nothing stored) if anything is wrong."""
    if entry.outcome in (attempts.AttemptOutcome.PASSED, attempts.AttemptOutcome.FAILED):
        raise EligibilityError("This attempt has been marked; contact your provider about a review.")
    if data.category not in {c.value for c in EcCategory}:
        raise EligibilityError("Choose what kind of circumstances these are.", "category")
    if not data.description.strip():
        raise EligibilityError("Describe what happened and how it affected your assessment.",
                              "description")
    if data.affected_to < data.affected_from:
        raise EligibilityError("The last day affected must not be before the first.", "affected_to")
    try:
        evidence = check_files(data.files)
    except EvidenceRejected as rejected:
        raise EligibilityError(str(rejected), "evidence") from None
    if not evidence:
        raise EligibilityError("Upload at least one evidence file (for example a doctor's note).",
                              "evidence")
    claim = EcClaim(entry_id=entry.id, category=EcCategory(data.category),
                    description=data.description.strip(), affected_from=data.affected_from,
                    affected_to=data.affected_to, filed_at=at, filed_by=actor.id)
    claim.evidence = [EcEvidence(**e.stored(at)) for e in evidence]
    db.session.add(claim)
    audit.record("ec.filed", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, category=data.category, files=len(evidence))
    db.session.flush()
    return claim


def decide_claim(claim: EcClaim, decision: str, reason: str, actor: User, at: datetime,
                 until: date | None = None, to_window: AssessmentWindow | None = None) -> None:
    if claim.decided_at is not None:
        raise EligibilityError("This claim has already been decided.")
    if decision not in {d.value for d in EcDecision}:
        raise EligibilityError("Choose a decision.")
    if not reason.strip():
        raise EligibilityError("Give the reason for your decision: the participant will see it.")
    entry = claim.entry
    claim.decision, claim.decision_reason = EcDecision(decision), reason.strip()
    claim.decided_at, claim.decided_by = at, actor.id
    if claim.decision is EcDecision.EXTENSION:
        if until is None:
            raise EligibilityError("Enter the date the extension runs to.")
        try:
            deadline_extensions.grant([entry], until, reason, actor, at, claim=claim)
        except deadline_extensions.ExtensionRefused as refused:
            raise EligibilityError(str(refused)) from None
    elif claim.decision is EcDecision.DEFER:
        if to_window is None:
            raise EligibilityError("Choose a later window that serves this NPQ.")
        move_to_window(entry, to_window, at, actor, entered=True)
    db.session.flush()
    # A rejection lets a non-submission it held be recorded; a void voids (misconduct aside).
    outcomes.settle([entry], at, actor, f"Extenuating circumstances: {reason.strip()}")
    audit.record("ec.decided", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, decision=decision, reason=reason.strip())
    outcome = EC_DECISION_TEXT[claim.decision]
    if claim.decision is EcDecision.EXTENSION:
        outcome += f": your new deadline is {deadline_text(entry.closes_at)}"
    notifications.decision(entry, "extenuating circumstances claim", outcome,
                           reason.strip(), f"/assessments/{entry.id}/circumstances", at)


EC_DECISION_TEXT = {
    EcDecision.REJECT: "not accepted",
    EcDecision.EXTENSION: "extension granted",
    EcDecision.DEFER: "deferred to a later window (no attempt used)",
    EcDecision.VOID: "attempt voided (it does not count)",
}


# The ledger ---------------------------------------------------------------------------


def attempts_of(participant_id: int, npq_code: str) -> list[Entry]:
    return list(db.session.scalars(
        select(Entry).join(AssessmentWindow)
        .where(Entry.participant_id == participant_id, Entry.npq_code == npq_code)
        .order_by(AssessmentWindow.release_at)
    ))


def ledger_for(participant_id: int, npq_code: str) -> attempts.Ledger:
    return attempts.ledger(e.outcome for e in attempts_of(participant_id, npq_code))
