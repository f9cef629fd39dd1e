"""The emails the service sends, queued in the outbox with the action that causes them."""

from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from ..attempts import ENGAGEMENT_THRESHOLD, OUTCOME_TEXT, AttemptOutcome
from ..clock import to_london
from ..extensions import db
from ..models import AssessmentWindow, Entry, Role, SubmissionVersion, User
from ..timeformat import deadline_text, london_time
from .mail import message_row, queue

REMINDERS = (timedelta(hours=48), timedelta(hours=24))


def link(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def _sign_off() -> str:
    return f"\n\n{current_app.config['SERVICE_NAME']}\nAll times are UK time.\n"


def case_study_released(window_id: int, at: datetime) -> None:
    entries = db.session.scalars(
        select(Entry).where(Entry.window_id == window_id, Entry.entered.is_(True),
                            Entry.outcome.is_(None)).options(selectinload(Entry.participant))
    )
    for entry in entries:
        _release_notice(entry, at)


def _release_notice(entry: Entry, at: datetime) -> None:
    queue(entry.participant.email, f"Your NPQ case study is available: {entry.window.name}",
          f"Dear {entry.participant.name},\n\nThe case study for your NPQ in {entry.npq.name} "
          f"is now available. Your deadline is {deadline_text(entry.closes_at)}.\n\n"
          f"Read it and write your response: {link(f'/assessments/{entry.id}')}" + _sign_off(),
          "case_study_released", at, dedupe_key=f"released:{entry.id}")


def entered(entry: Entry, at: datetime) -> None:
    """Entered for a window (directly or at the engagement gate); once per entry. Someone
    entered after the release also gets the release notice, which went out before them."""
    window = entry.window
    released = window.is_released(at)
    queue(entry.participant.email, f"You are entered for your NPQ assessment: {window.name}",
          f"Dear {entry.participant.name},\n\nYou are entered for the assessment of your NPQ in "
          f"{entry.npq.name} in {window.name}. The case study "
          f"{'was' if released else 'will be'} released at {london_time(window.release_at)} and "
          f"your deadline is {deadline_text(entry.closes_at)}.\n\n"
          f"{link(f'/assessments/{entry.id}')}" + _sign_off(),
          "entered", at, dedupe_key=f"entered:{entry.id}")
    if released:
        _release_notice(entry, at)


def engagement_lost(entry: Entry, why: str, at: datetime) -> None:
    """Not entered at the engagement gate: the attempt is lost (it counts)."""
    deadline = entry.window.engagement_deadline
    # With no deadline, the gate was applied when the admin removed it.
    when = (f"at the engagement deadline, {deadline_text(deadline)}" if deadline else
            f"when your provider removed the engagement deadline, at {london_time(at)}")
    queue(entry.participant.email, f"You have not been entered for your NPQ assessment: "
          f"{entry.window.name}",
          f"Dear {entry.participant.name},\n\nYou have not been entered for the assessment of "
          f"your NPQ in {entry.npq.name} in {entry.window.name}: {when}, "
          f"{why}, and no deferral was agreed. This counts as one of "
          "your two attempts.\n\nIf circumstances beyond your control caused this, you can make "
          f"an extenuating circumstances claim.\n\n{link(f'/assessments/{entry.id}')}"
          + _sign_off(), "engagement_lost", at, dedupe_key=f"lost:{entry.id}")


def engagement_deadline_moved(window: AssessmentWindow, entries: list[Entry], change,
                              at: datetime) -> None:
    """The engagement deadline moved (window_changes.GateChange, earlier or later), told to
    each participant waiting for the 90% engagement check."""
    moved = "later" if change.helps else "earlier"
    for entry in entries:
        queue(entry.participant.email, f"Your NPQ engagement deadline has moved {moved}: "
              f"{window.name}",
              f"Dear {entry.participant.name},\n\nYour provider has moved the engagement "
              f"deadline for your NPQ in {entry.npq.name} ({window.name}) {moved}: it is now "
              f"{change.after} (it was {change.before}).\n\nTo be entered for the assessment "
              f"you need to have completed at least {ENGAGEMENT_THRESHOLD}% of your programme "
              "by then. If you cannot, ask to defer before it, or this attempt is lost (it "
              f"counts as one of your two attempts).\n\n{link(f'/assessments/{entry.id}')}"
              + _sign_off(), "engagement_deadline_moved", at)


def not_submitted(entry: Entry, at: datetime) -> None:
    """Nothing submitted by the participant's own deadline (once per deadline)."""
    queue(entry.participant.email, f"We did not receive your NPQ response: {entry.window.name}",
          f"Dear {entry.participant.name},\n\nWe did not receive a response for your NPQ in "
          f"{entry.npq.name} by your deadline, {deadline_text(entry.closes_at)}. This attempt is "
          "recorded as not submitted and counts as one of your two attempts.\n\nIf circumstances "
          "beyond your control stopped you submitting, you can make an extenuating circumstances "
          f"claim: {link(f'/assessments/{entry.id}/circumstances')}" + _sign_off(),
          "not_submitted", at,
          dedupe_key=f"not_submitted:{entry.id}:{entry.closes_at.isoformat()}")


def extension_granted(entry: Entry, reason: str, at: datetime) -> None:
    """An admin's extension, to one person or a group: the new deadline."""
    queue(entry.participant.email, f"Your NPQ deadline has been extended: {entry.window.name}",
          f"Dear {entry.participant.name},\n\nYou have been given an extension for your NPQ in "
          f"{entry.npq.name}. Your new deadline is {deadline_text(entry.closes_at)}.\n\n"
          f"Reason: {reason}\n\nYou can read the case study and submit until then: "
          f"{link(f'/assessments/{entry.id}')}" + _sign_off(), "extension_granted", at)


def deadline_reminders(at: datetime) -> int:
    """48 and 24 hours before each participant's own deadline, if nothing is submitted yet.
    A new personal deadline (an extension) brings new reminders."""
    soon = db.session.scalars(
        select(Entry).join(AssessmentWindow)
        .where(Entry.entered.is_(True), Entry.outcome.is_(None),
               AssessmentWindow.release_at <= at,
               ~exists().where(SubmissionVersion.entry_id == Entry.id))
        .options(selectinload(Entry.participant), selectinload(Entry.window))
    ).all()
    queued = 0
    for entry in soon:
        left = entry.closes_at - at
        for ahead in REMINDERS:
            if timedelta(0) < left <= ahead:
                hours = int(ahead.total_seconds() // 3600)
                queued += queue(
                    entry.participant.email, f"{hours} hours left to submit your NPQ response",
                    f"Dear {entry.participant.name},\n\nYou have not submitted your response for "
                    f"the NPQ in {entry.npq.name} yet. Your deadline is "
                    f"{deadline_text(entry.closes_at)}.\n\n{link(f'/assessments/{entry.id}')}"
                    + _sign_off(),
                    "deadline_reminder", at,
                    dedupe_key=f"reminder{hours}:{entry.id}:{entry.closes_at.isoformat()}",
                ) is not None
    return queued


def submission_receipt(participant, npq_name: str, entry_id: int, number: int, words: int,
                       sha256: str, at: datetime) -> dict:
    """The receipt's outbox row, for a submission written as plain rows (its caller inserts it
    with the version): the participant is anything with an email and a name
    (submissions.Author)."""
    return message_row(
        participant.email, f"Receipt: your NPQ response, version {number}",
        f"Dear {participant.name},\n\nWe received your response for the NPQ in "
        f"{npq_name} at {london_time(at)}.\n\n"
        f"Words: {words:,}\nSHA-256 of the text: {sha256}\n\n"
        "You can replace it until your deadline; the last version in time is marked.\n"
        f"{link(f'/assessments/{entry_id}/submissions')}" + _sign_off(),
        "submission_receipt", at)


def decision(entry: Entry, what: str, outcome: str, reason: str, path: str, at: datetime,
             kind: str | None = None) -> None:
    """An admin's decision on a deferral request, an EC claim, a review request or an appeal;
    `kind` where `what` is too long to name it (the outbox's kind is at most 40 characters)."""
    queue(entry.participant.email, f"Decision on your {what}",
          f"Dear {entry.participant.name},\n\nYour {what} for the NPQ in {entry.npq.name} "
          f"({entry.window.name}) has been decided: {outcome}.\n\nReason: {reason}\n\n"
          f"{link(path)}" + _sign_off(), kind or f"{what.replace(' ', '_')}_decision", at)


def results_released(entries: list[Entry], at: datetime) -> None:
    for entry in entries:
        queue(entry.participant.email, f"Your NPQ assessment result: {entry.window.name}",
              f"Dear {entry.participant.name},\n\nYour result and feedback for the NPQ in "
              f"{entry.npq.name} are now available.\n\n{link(f'/assessments/{entry.id}/result')}"
              + _sign_off(), "results_released", at, dedupe_key=f"results:{entry.id}")


def scripts_allocated(assignments: dict[int, int], window: AssessmentWindow, at: datetime) -> None:
    """One email per marker with the number of new scripts (no participant details)."""
    counts = Counter(assignments.values())
    markers = db.session.scalars(select(User).where(User.id.in_(counts.keys())))
    for marker in markers:
        n = counts[marker.id]
        queue(marker.email, f"{n} new script{'s' if n != 1 else ''} to mark: {window.name}",
              f"Dear {marker.name},\n\n{n} script{'s have' if n != 1 else ' has'} been allocated "
              f"to you in {window.name}.\n\n{link('/marking/')}" + _sign_off(),
              "scripts_allocated", at)


def scripts_withdrawn(marker: User, candidate_numbers: list[str], window: AssessmentWindow,
                      why: str, at: datetime) -> None:
    """Scripts taken back from a marker: which (by candidate number only) and why."""
    n = len(candidate_numbers)
    queue(marker.email, f"{n} script{'s' if n != 1 else ''} withdrawn from your queue: "
          f"{window.name}",
          f"Dear {marker.name},\n\n{'These scripts have' if n != 1 else 'This script has'} been "
          f"withdrawn from your queue in {window.name}: {', '.join(candidate_numbers)}.\n\n"
          f"Why: {why}. Any marking you had done on {'them' if n != 1 else 'it'} is kept on "
          f"record but will not count.\n\n{link('/marking/')}" + _sign_off(),
          "scripts_withdrawn", at)


def moderation_assigned(moderator: User, case, at: datetime) -> None:
    """An admin gave a moderator a script no one else could decide (no participant details)."""
    queue(moderator.email, f"A script is waiting for your moderation: {case.entry.window.name}",
          f"Dear {moderator.name},\n\nAn assessment admin has asked you to moderate candidate "
          f"{case.entry.candidate_number} ({case.entry.npq_code}).\n\n"
          f"{link(f'/marking/moderation/{case.id}')}" + _sign_off(), "moderation_assigned", at)


def results_release_held(window: AssessmentWindow, why: str, at: datetime) -> None:
    """To every active admin: a scheduled results release could not go ahead."""
    admins = db.session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True)))
    for admin in admins:
        queue(admin.email, f"Results release held: {window.name}",
              f"Dear {admin.name},\n\nThe results of {window.name} were due for release, but "
              f"were not released: {why}\n\nRelease them again once checking is complete: "
              f"{link(f'/admin/windows/{window.id}/marking')}" + _sign_off(),
              "results_release_held", at)


def password_link(user: User, token: str, at: datetime, *, first_time: bool) -> None:
    action = "Set" if first_time else "Reset"
    queue(user.email, f"{action} your password for {current_app.config['SERVICE_NAME']}",
          f"Dear {user.name},\n\n{action} your password with this link. It works once and "
          f"expires in 48 hours:\n\n{link(f'/password/{token}')}\n\nIf you did not ask for "
          "this, you can ignore this email." + _sign_off(), "password_link", at)


def email_changed(user: User, old: str, at: datetime) -> None:
    """Both addresses are told, so someone whose address was changed by mistake (or by
    someone else) hears of it at the one they still read."""
    for to in (old, user.email):
        queue(to, f"Your email address for {current_app.config['SERVICE_NAME']} has changed",
              f"Dear {user.name},\n\nThe email address you sign in with has been changed from "
              f"{old} to {user.email}. You have been signed out: sign in again with the new "
              "address.\n\nIf you did not expect this, tell your NPQ provider straight away."
              + _sign_off(),
              "email_changed", at)


def window_changed(window: AssessmentWindow, entries: list[Entry], improvements: list,
                   at: datetime) -> None:
    """After release, a change that helps (a later deadline, a higher word limit) is told to
    everyone entered, with their own deadline in UK time."""
    changes = "\n".join(f"- {i.label}: now {i.after} (it was {i.before})" for i in improvements)
    for entry in entries:
        queue(entry.participant.email, f"Your NPQ assessment has changed: {window.name}",
              f"Dear {entry.participant.name},\n\nYour provider has changed the assessment for "
              f"the NPQ in {entry.npq.name} ({window.name}):\n\n{changes}\n\n"
              f"Your deadline is {deadline_text(entry.closes_at)}.\n\n"
              f"{link(f'/assessments/{entry.id}')}" + _sign_off(), "window_changed", at)


def review_assigned(reviewer: User, review, at: datetime) -> None:
    """A marker or moderator is asked to review a script (candidate number only)."""
    entry = review.entry
    queue(reviewer.email, f"A script to review: {entry.window.name}",
          f"Dear {reviewer.name},\n\nAn assessment admin has asked you to review the marking of "
          f"candidate {entry.candidate_number} ({entry.npq_code}). Mark it afresh: you will not "
          f"see the earlier marks.\n\n{link(f'/marking/reviews/{review.id}')}" + _sign_off(),
          "review_assigned", at)


def review_kept(entry: Entry, at: datetime) -> None:
    """A review of marking that kept the recorded outcome (a change is emailed as an amendment)."""
    queue(entry.participant.email, f"Your review of marking is complete: {entry.window.name}",
          f"Dear {entry.participant.name},\n\nThe review of the marking of your assessment for "
          f"the NPQ in {entry.npq.name} ({entry.window.name}) is complete. The reviewer did not "
          "mark your script before and did not see the earlier marks. Your outcome is unchanged."
          f"\n\n{link(f'/assessments/{entry.id}/review')}" + _sign_off(), "review_kept", at)


def outcome_amended(entry: Entry, amendment, at: datetime) -> None:
    """A released outcome changed: what it was, what it is, when and why."""
    before = OUTCOME_TEXT[AttemptOutcome(amendment.previous_outcome)]
    after = OUTCOME_TEXT[AttemptOutcome(amendment.new_outcome)]
    queue(entry.participant.email, f"Your NPQ assessment outcome has been amended: {entry.window.name}",
          f"Dear {entry.participant.name},\n\nThe outcome of your assessment for the NPQ in "
          f"{entry.npq.name} ({entry.window.name}) has been amended.\n\n"
          f"It was: {before}\nIt is now: {after}\n"
          f"Completion date: {to_london(amendment.new_completed_at):%-d %B %Y}\n\n"
          f"Reason: {amendment.reason}\n\n{link(f'/assessments/{entry.id}')}" + _sign_off(),
          "outcome_amended", at)


def resit_withdrawn(entry: Entry, at: datetime) -> None:
    """A resit no longer needed: an earlier attempt at the NPQ has passed."""
    queue(entry.participant.email, f"Your NPQ resit has been withdrawn: {entry.window.name}",
          f"Dear {entry.participant.name},\n\nYour earlier attempt at the NPQ in "
          f"{entry.npq.name} has passed, so you no longer need to sit {entry.window.name}. "
          "That entry has been withdrawn and does not count as an attempt.\n\n"
          f"{link(f'/assessments/{entry.id}')}" + _sign_off(), "resit_withdrawn", at,
          dedupe_key=f"withdrawn:{entry.id}")


def extension_withdrawn(entry: Entry, reason: str, at: datetime) -> None:
    """An extension taken back: the deadline that now applies, and why."""
    queue(entry.participant.email, f"Your NPQ assessment deadline has changed: {entry.window.name}",
          f"Dear {entry.participant.name},\n\nAn extension to your deadline for the NPQ in "
          f"{entry.npq.name} has been taken back. Your deadline is now "
          f"{deadline_text(entry.closes_at)}.\n\nReason: {reason}\n\n"
          f"{link(f'/assessments/{entry.id}')}" + _sign_off(), "extension_withdrawn", at)
