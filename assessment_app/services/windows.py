"""Creating windows, attaching case studies and entering participants."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import func, select

from .. import attempts, deadlines, window_changes
from ..case_studies import CaseStudyFile
from ..clock import now
from ..deadlines import deadline_closes_at
from ..extensions import db
from ..models import AssessmentWindow, Entry, Npq, Role, User, WindowPaper
from ..window_changes import Review
from . import audit, notifications

# No 0/O or 1/I: candidate numbers are read aloud and typed by markers and admins.
CANDIDATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class WindowError(Exception):
    """An admin action that cannot be done; the message says why."""


@dataclass(frozen=True)
class WindowSettings:
    name: str
    first_day: date
    length_days: int
    release_time: time
    deadline_time: time
    word_limit: int
    tolerance_percent: int
    npq_codes: tuple[str, ...]
    marking_deadline: date | None = None
    second_marking_percent: int = 10
    engagement_deadline: date | None = None
    max_extension_days: int = 14


def create_window(settings: WindowSettings, actor: User) -> AssessmentWindow:
    window = AssessmentWindow(name=settings.name.strip())
    _apply(window, settings)
    db.session.add(window)
    db.session.flush()
    audit.record("window.created", actor=actor, window_id=window.id, **_describe(window))
    db.session.commit()
    return window


def review_new_window(settings: WindowSettings) -> Review:
    """What an admin must confirm before creating a window (a length other than 8 days)."""
    return Review(warnings=[w for w in [window_changes.length_warning(settings.length_days)] if w])


def review_update(window: AssessmentWindow, settings: WindowSettings, at: datetime) -> Review:
    """Which of the proposed changes are refused, and which need confirming (window_changes)."""
    latest_extension = db.session.scalar(
        select(func.max(Entry.extended_closes_at)).where(Entry.window_id == window.id)
    )
    return window_changes.review(_terms(window), _proposed_terms(settings), at, latest_extension)


def live_entries(window: AssessmentWindow) -> list[Entry]:
    """Everyone entered whose attempt is still running: whom a change to the window reaches."""
    return list(db.session.scalars(
        select(Entry).where(Entry.window_id == window.id, Entry.entered.is_(True),
                            Entry.outcome.is_(None)).order_by(Entry.id)
    ))


def _terms(window: AssessmentWindow) -> window_changes.Terms:
    return window_changes.Terms(
        release_at=window.release_at, closes_at=window.closes_at, length_days=window.length_days,
        deadline_time=window.deadline_time, word_limit=window.word_limit,
        tolerance_percent=window.tolerance_percent, max_extension_days=window.max_extension_days,
        engagement_deadline=window.engagement_deadline,
        npq_codes=frozenset(p.npq_code for p in window.papers),
    )


def _proposed_terms(settings: WindowSettings) -> window_changes.Terms:
    instants = deadlines.window_instants(settings.first_day, settings.length_days,
                                         settings.release_time, settings.deadline_time)
    return window_changes.Terms(
        release_at=instants.release_at, closes_at=instants.closes_at,
        length_days=settings.length_days, deadline_time=settings.deadline_time,
        word_limit=settings.word_limit, tolerance_percent=settings.tolerance_percent,
        max_extension_days=settings.max_extension_days,
        engagement_deadline=_engagement_closes_at(settings.engagement_deadline),
        npq_codes=frozenset(settings.npq_codes),
    )


def _engagement_closes_at(day: date | None) -> datetime | None:
    return deadline_closes_at(day, time(23, 59)) if day else None


def update_window(window: AssessmentWindow, settings: WindowSettings, actor: User,
                  at: datetime, confirmed: str | None = None) -> AssessmentWindow:
    """Change a window. Changes that hurt participants after release are refused; those that
    need confirming (review_update) are made only with `confirmed` equal to the fingerprint
    of what the admin was shown, and those that help are emailed to everyone entered."""
    before = _describe(window)
    review = review_update(window, settings, at)
    if review.refusals:
        raise WindowError(" ".join(refusal.message for refusal in review.refusals))
    if review.needs_confirmation and confirmed != review.fingerprint:
        raise WindowError("Confirm the changes before they are saved.")
    window.name = settings.name.strip()
    _apply(window, settings)
    notified = live_entries(window) if review.improvements else []
    if notified:
        notifications.window_changed(window, notified, review.improvements, at)
    audit.record("window.updated", actor=actor, window_id=window.id, before=before,
                 after=_describe(window), confirmed=review.needs_confirmation,
                 changes_for_participants=[
                     {"change": i.label, "before": i.before, "after": i.after}
                     for i in review.improvements
                 ], participants_notified=len(notified))
    db.session.commit()
    return window


def _apply(window: AssessmentWindow, settings: WindowSettings) -> None:
    window.set_schedule(settings.first_day, settings.length_days, settings.release_time,
                        settings.deadline_time)
    window.word_limit = settings.word_limit
    window.tolerance_percent = settings.tolerance_percent
    window.marking_deadline = settings.marking_deadline
    window.second_marking_percent = settings.second_marking_percent
    window.max_extension_days = settings.max_extension_days
    window.engagement_deadline = _engagement_closes_at(settings.engagement_deadline)
    existing = {paper.npq_code: paper for paper in window.papers}
    for code in settings.npq_codes:
        if code not in existing:
            window.papers.append(WindowPaper(npq_code=code))
    for code, paper in existing.items():
        if code not in settings.npq_codes:
            if db.session.scalar(select(Entry.id).where(Entry.window_id == window.id,
                                                        Entry.npq_code == code).limit(1)):
                raise WindowError(f"Participants are entered for {code}, so it cannot be removed.")
            window.papers.remove(paper)


def _describe(window: AssessmentWindow) -> dict:
    return {
        "name": window.name,
        "release_at": window.release_at.isoformat(),
        "closes_at": window.closes_at.isoformat(),
        "word_limit": window.word_limit,
        "tolerance_percent": window.tolerance_percent,
        "max_extension_days": window.max_extension_days,
        "npqs": sorted(p.npq_code for p in window.papers),
    }


def attach_case_study(paper: WindowPaper, case_study: CaseStudyFile, actor: User,
                      at: datetime) -> None:
    """Snapshot a case-study file (and its handout) into the window, before release only."""
    if paper.window.is_released(at):
        raise WindowError("The case study has been released and can no longer be changed.")
    if case_study.npq != paper.npq_code:
        raise WindowError(f"That case study is for {case_study.npq}, not {paper.npq_code}.")
    paper.case_study_file = Path(case_study.source_path).name
    paper.case_study_title = case_study.title
    paper.case_study_markdown = case_study.body_markdown
    paper.attached_at = at
    if case_study.handout_filename:
        data = (Path(case_study.source_path).parent / case_study.handout_filename).read_bytes()
        paper.handout_filename = case_study.handout_filename
        paper.handout_data = data
        paper.handout_sha256 = hashlib.sha256(data).hexdigest()
    else:
        paper.handout_filename = paper.handout_data = paper.handout_sha256 = None
    audit.record("case_study.attached", actor=actor, window_id=paper.window_id,
                 npq=paper.npq_code, file=paper.case_study_file)
    db.session.commit()


def enter_participants(window: AssessmentWindow, npq_code: str, emails: list[str],
                       actor: User) -> list[Entry]:
    """Enter participants by email, all or nothing; raises WindowError listing every problem."""
    if window.paper_for(npq_code) is None:
        raise WindowError(f"This window does not serve {npq_code}.")
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    if not wanted:
        raise WindowError("Enter at least one email address.")
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(wanted)))}
    already = set(db.session.scalars(
        select(Entry.participant_id).where(Entry.window_id == window.id)
    ))
    problems = []
    for email in wanted:
        user = users.get(email)
        if user is None:
            problems.append(f"{email}: no participant has this email address")
        elif user.role is not Role.PARTICIPANT:
            problems.append(f"{email}: this person is not a participant")
        elif user.id in already:
            problems.append(f"{email}: already entered for this window")
        else:
            problem = _attempt_problem(user, window, npq_code)
            if problem:
                problems.append(f"{email}: {problem}")
    if problems:
        raise WindowError("Nobody was entered. " + "; ".join(problems) + ".")
    # With an engagement deadline still to come, entries wait for the 90% gate.
    gated = window.engagement_deadline is not None and window.engagement_deadline > now()
    entries = [
        Entry(window_id=window.id, participant_id=users[email].id, npq_code=npq_code,
              candidate_number=new_candidate_number(), entered=not gated)
        for email in wanted
    ]
    db.session.add_all(entries)
    db.session.flush()
    for entry in entries:
        audit.record("participant.entered", actor=actor, window_id=window.id,
                     participant_id=entry.participant_id, npq=npq_code,
                     candidate_number=entry.candidate_number)
    db.session.commit()
    return entries


def _attempt_problem(user: User, window: AssessmentWindow, npq_code: str) -> str | None:
    """Why this person cannot take this NPQ in this window, or None."""
    previous = db.session.scalars(
        select(Entry).where(Entry.participant_id == user.id, Entry.npq_code == npq_code)
    ).all()
    standing = attempts.ledger(e.outcome for e in previous).standing
    if standing is attempts.Standing.ACHIEVED:
        return "has already passed this NPQ"
    if standing is attempts.Standing.NOT_ACHIEVED:
        return "has used both attempts: the outcome is final"
    if standing is attempts.Standing.IN_PROGRESS:
        return "has an attempt in progress"
    paper = window.paper_for(npq_code)
    taken = {e.window.paper_for(npq_code).case_study_file for e in previous
             if e.window.paper_for(npq_code) is not None}
    if paper is not None and paper.case_study_file and paper.case_study_file in taken:
        return "has already sat this case study; a resit needs a different one"
    return None


def new_candidate_number() -> str:
    """A random, unguessable candidate number; unique in the database (checked here and by it)."""
    while True:
        number = "".join(secrets.choice(CANDIDATE_ALPHABET) for _ in range(8))
        if db.session.scalar(select(Entry.id).where(Entry.candidate_number == number)) is None:
            return number


def npqs() -> list[Npq]:
    return list(db.session.scalars(select(Npq).order_by(Npq.code)))
