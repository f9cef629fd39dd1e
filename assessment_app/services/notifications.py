"""The emails the service sends, queued in the outbox with the action that causes them."""

from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AssessmentWindow, Entry, SubmissionVersion, User
from ..timeformat import deadline_text, london_time
from .mail import queue

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
        queue(entry.participant.email, f"Your NPQ case study is available: {entry.window.name}",
              f"Dear {entry.participant.name},\n\nThe case study for your NPQ in {entry.npq.name} "
              f"is now available. Your deadline is {deadline_text(entry.closes_at)}.\n\n"
              f"Read it and write your response: {link(f'/assessments/{entry.id}')}" + _sign_off(),
              "case_study_released", at, dedupe_key=f"released:{entry.id}")


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


def submission_receipt(entry: Entry, version: SubmissionVersion, at: datetime) -> None:
    queue(entry.participant.email, f"Receipt: your NPQ response, version {version.number}",
          f"Dear {entry.participant.name},\n\nWe received your response for the NPQ in "
          f"{entry.npq.name} at {london_time(version.submitted_at)}.\n\n"
          f"Words: {version.word_count:,}\nSHA-256 of the text: {version.sha256}\n\n"
          "You can replace it until your deadline; the last version in time is marked.\n"
          f"{link(f'/assessments/{entry.id}/submissions')}" + _sign_off(),
          "submission_receipt", at)


def decision(entry: Entry, what: str, outcome: str, reason: str, path: str, at: datetime) -> None:
    """An admin's decision on a deferral request or an EC claim."""
    queue(entry.participant.email, f"Decision on your {what}",
          f"Dear {entry.participant.name},\n\nYour {what} for the NPQ in {entry.npq.name} "
          f"({entry.window.name}) has been decided: {outcome}.\n\nReason: {reason}\n\n"
          f"{link(path)}" + _sign_off(), f"{what.replace(' ', '_')}_decision", at)


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


def password_link(user: User, token: str, at: datetime, *, first_time: bool) -> None:
    action = "Set" if first_time else "Reset"
    queue(user.email, f"{action} your password for {current_app.config['SERVICE_NAME']}",
          f"Dear {user.name},\n\n{action} your password with this link. It works once and "
          f"expires in 48 hours:\n\n{link(f'/password/{token}')}\n\nIf you did not ask for "
          "this, you can ignore this email." + _sign_off(), "password_link", at)


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
