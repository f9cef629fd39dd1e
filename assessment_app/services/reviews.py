"""Reviews of marking: requests, the admin's decision, the blind review and its outcome.

The rules (who may ask and until when, what a review decides) are in review_rules.py; this
module records what happens, audits it and emails the people concerned.
"""

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import allocation as allocating
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    Entry,
    MarkerProfile,
    MarkingRole,
    Moderation,
    Outcome,
    ReviewJudgement,
    ReviewRequest,
    ReviewStatus,
    Role,
    SubmissionVersion,
    User,
)
from ..review_rules import ReviewRefused, request_closes_at, request_problem
from ..savepoints import savepoint
from ..working_days import bank_holidays
from . import audit, notifications, outcomes
from .checking import FinalResult
from .mark_input import MarkInput, complete_levels, set_judgements
from .rubric_store import rubric_for

NO_RATIONALE = ("Give the reason for your judgement: if the outcome changes, the participant "
                "reads it.")


def closes_at(entry: Entry) -> datetime | None:
    """The first instant too late to ask for a review of this attempt (None before results).
    The period runs from the release of this attempt's own result: for one finished after an
    extension, recorded after the window's release, that is its completion."""
    window = entry.window
    if window.results_recorded_at is None or window.results_release_at is None:
        return None
    released = max(window.results_release_at, entry.completed_at or window.results_release_at)
    return request_closes_at(released, window.review_period_days, bank_holidays())


def review_of(entry_id: int) -> ReviewRequest | None:
    return db.session.scalar(select(ReviewRequest).where(ReviewRequest.entry_id == entry_id))


def problem_with_request(entry: Entry, at: datetime) -> str | None:
    """Why this attempt's review cannot be asked for now, or None."""
    window = entry.window
    return request_problem(entry.outcome, entry.outcome_rule, window.results_recorded_at,
                           closes_at(entry), review_of(entry.id) is not None, at)


def request_review(entry: Entry, grounds: str, actor: User, at: datetime) -> ReviewRequest:
    """A participant asks for a review of an attempt's marking, giving grounds (once)."""
    problem = problem_with_request(entry, at)
    if problem:
        raise ReviewRefused(problem)
    if not grounds.strip():
        raise ReviewRefused("Give your grounds: say why you think the marking should be reviewed.")
    review = ReviewRequest(entry_id=entry.id, grounds=grounds.strip(), requested_at=at,
                           requested_by=actor.id)
    try:
        with savepoint():  # the refusal undoes this row only, not the caller's work
            db.session.add(review)
    except IntegrityError:  # a second request sent at the same moment
        raise ReviewRefused("You have already asked for a review of this attempt. Only one "
                            "review can be asked for per attempt.") from None
    audit.record("review.requested", actor=actor, window_id=entry.window_id,
                 participant_id=entry.participant_id, entry=entry.id, grounds=review.grounds)
    return review


def markers_of_script(entry_id: int) -> set[int]:
    """Everyone who has marked or moderated this script, or held it to mark."""
    markers = set(db.session.scalars(select(Allocation.marker_id)
                                     .where(Allocation.entry_id == entry_id)))
    markers |= {m for m in db.session.scalars(select(Moderation.moderator_id)
                                              .where(Moderation.entry_id == entry_id)) if m}
    return markers


def eligible_reviewers(entry: Entry) -> list[User]:
    """Active markers and moderators qualified for the NPQ, who never had the script and share
    no delivery partner or school with the participant."""
    script = allocating.Script(id=entry.id, npq=entry.npq_code,
                               delivery_partner=entry.participant.delivery_partner,
                               school=entry.participant.school,
                               excluded_markers=frozenset(markers_of_script(entry.id)))
    rows = db.session.execute(
        select(User, MarkerProfile.npq_codes).join(MarkerProfile, MarkerProfile.user_id == User.id)
        .where(User.active.is_(True), User.role.in_([Role.MARKER, Role.MODERATOR]))
        .order_by(User.name, User.id)
    ).all()
    return [user for user, codes in rows if allocating.may_moderate(
        allocating.Moderator(id=user.id, npqs=frozenset(codes.split()),
                             delivery_partner=user.delivery_partner, school=user.school), script)]


def decide(review: ReviewRequest, accept: bool, reason: str, reviewer: User | None,
           actor: User, at: datetime) -> None:
    """The admin accepts a request (naming the reviewer) or rejects it, with a reason."""
    if review.status is not ReviewStatus.REQUESTED:
        raise ReviewRefused("This request has already been decided.")
    if not reason.strip():
        raise ReviewRefused("Give the reason for your decision: the participant will see it.")
    entry = review.entry
    if accept:
        if reviewer is None:
            raise ReviewRefused("Choose who will review the script.")
        if reviewer.id in markers_of_script(entry.id):
            raise ReviewRefused(f"{reviewer.name} marked this script, so cannot review it. "
                                "Choose someone who has not marked it.")
        if reviewer.id not in {u.id for u in eligible_reviewers(entry)}:
            raise ReviewRefused(f"{reviewer.name} cannot review this script (not an active "
                                "marker or moderator for this NPQ, or a conflict of interest).")
        review.status, review.reviewer_id = ReviewStatus.ACCEPTED, reviewer.id
    else:
        review.status = ReviewStatus.REJECTED
    review.decided_at, review.decided_by, review.decision_reason = at, actor.id, reason.strip()
    audit.record(f"review.{'accepted' if accept else 'rejected'}", actor=actor,
                 window_id=entry.window_id, participant_id=entry.participant_id, entry=entry.id,
                 reason=review.decision_reason, reviewer=review.reviewer_id)
    notifications.decision(entry, "request for a review of marking",
                           "accepted: your script will be reviewed by someone who has not marked "
                           "it" if accept else "not accepted", review.decision_reason,
                           f"/assessments/{entry.id}/review", at)
    if accept:
        notifications.review_assigned(reviewer, review, at)


def reviewed_version(entry_id: int) -> SubmissionVersion:
    """The version that was marked (the first marker's)."""
    return db.session.scalar(
        select(SubmissionVersion).join(Allocation, Allocation.version_id == SubmissionVersion.id)
        .where(Allocation.entry_id == entry_id, Allocation.role == MarkingRole.FIRST,
               Allocation.status == AllocationStatus.SUBMITTED))


def save_review(review: ReviewRequest, reviewer: User, data: MarkInput, rationale: str,
                at: datetime, *, submit: bool) -> ReviewRequest:
    """The reviewer's draft or final judgement. On submit the rubric's rule gives the outcome;
    a different one from the recorded outcome changes it (review_rules.REVIEW_RULES)."""
    if review.status is not ReviewStatus.ACCEPTED:
        raise ReviewRefused("This review has already been submitted.")
    entry = review.entry
    if review.reviewer_id != reviewer.id or reviewer.id in markers_of_script(entry.id):
        raise ReviewRefused("You cannot review this script: a marker cannot review their own "
                            "script, and each review is for the reviewer named on it.")
    rubric = rubric_for(entry.npq_code)
    set_judgements(review.judgements, rubric, data, review.judgements.append, ReviewJudgement)
    review.rubric_version, review.feedback = rubric.version, data.feedback
    review.rationale = rationale.strip() or None
    if submit:
        levels = complete_levels(rubric, data)
        if not review.rationale:
            raise ReviewRefused(NO_RATIONALE)
        review.outcome = Outcome(rubric.outcome(levels))
        review.status, review.completed_at = ReviewStatus.COMPLETED, at
        db.session.flush()
        changes = outcomes.settle([entry], at, reviewer, f"Review of marking: {review.rationale}")
        review.amendment = next((c.amendment for c in changes if c.entry is entry), None)
        if review.amendment is None:
            notifications.review_kept(entry, at)
        audit.record("review.completed", actor=reviewer, window_id=entry.window_id,
                     participant_id=entry.participant_id, entry=entry.id,
                     outcome=review.outcome.value, changed=review.amendment is not None,
                     rubric_version=rubric.version, reason=review.rationale)
    db.session.flush()
    return review


def result_after_review(entry: Entry, result: FinalResult) -> FinalResult:
    """What the participant sees: the review's judgements once a review changed the outcome."""
    review = review_of(entry.id)
    if review is None or review.amendment_id is None:
        return result
    return FinalResult(review.outcome, review.rubric_version, review.judgements, review.feedback)


def for_reviewer(user: User) -> list[ReviewRequest]:
    """The reviews given to this marker or moderator, waiting ones first (no participant data)."""
    return list(db.session.scalars(
        select(ReviewRequest).where(ReviewRequest.reviewer_id == user.id)
        .options(selectinload(ReviewRequest.entry), selectinload(ReviewRequest.judgements))
        .order_by(ReviewRequest.completed_at.is_not(None), ReviewRequest.decided_at)))


def open_requests() -> list[ReviewRequest]:
    """Requests still to decide, or accepted and not yet reviewed, oldest first."""
    return list(db.session.scalars(
        select(ReviewRequest)
        .where(or_(ReviewRequest.status == ReviewStatus.REQUESTED,
                   ReviewRequest.status == ReviewStatus.ACCEPTED))
        .options(selectinload(ReviewRequest.entry).options(selectinload(Entry.participant),
                                                           selectinload(Entry.window)),
                 selectinload(ReviewRequest.reviewer))
        .order_by(ReviewRequest.requested_at)))
