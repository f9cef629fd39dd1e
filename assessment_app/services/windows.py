"""Creating windows, attaching case studies and entering participants."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, select

from .. import attempts, deadlines, entry_rules, window_changes
from ..clock import now
from ..deadlines import deadline_closes_at
from ..extensions import db
from ..models import (
    AssessmentWindow,
    CasePaper,
    DeferralRequest,
    Entry,
    Npq,
    RequestStatus,
    Role,
    User,
    WindowPaper,
)
from ..npqs import NPQ_NAMES
from ..programme_dates import ASSESSMENT_PERIOD_MONTHS, outside_assessment_period
from ..review_rules import DEFAULT_REVIEW_PERIOD_DAYS
from ..window_changes import GateChangeKind, Review
from . import audit, deadline_extensions, engagement, notifications, papers, rubric_store
from .candidate_numbers import new_candidate_number


class WindowError(Exception):
    """An admin action that cannot be done; the message says why."""


class NeedsConfirmation(Exception):
    """Entry can go ahead once the admin confirms these warnings: {key: message}, where a key is
    the email of someone outside their programme's dates, or entry_rules.late_entry_key."""

    def __init__(self, warnings: dict[str, str]):
        super().__init__("; ".join(warnings.values()))
        self.warnings = warnings

    @property
    def late_entry(self) -> str | None:
        """The warning that the window's deadline is less than 48 hours away, if it is."""
        return next((message for key, message in self.warnings.items()
                     if entry_rules.is_late_entry_key(key)), None)

    @property
    def programme_dates(self) -> dict[str, str]:
        """{email: warning} for those outside three months of their programme's end."""
        return {key: message for key, message in self.warnings.items()
                if not entry_rules.is_late_entry_key(key)}


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
    review_period_days: int = DEFAULT_REVIEW_PERIOD_DAYS


def create_window(settings: WindowSettings, actor: User) -> AssessmentWindow:
    window = AssessmentWindow(name=settings.name.strip())
    _apply(window, settings)
    db.session.add(window)
    db.session.flush()
    audit.record("window.created", actor=actor, window_id=window.id, **_describe(window))
    return window


def review_new_window(settings: WindowSettings) -> Review:
    """What an admin must confirm before creating a window (a length other than 8 days)."""
    return Review(warnings=[w for w in [window_changes.length_warning(settings.length_days)] if w])


def review_update(window: AssessmentWindow, settings: WindowSettings, at: datetime) -> Review:
    """Which of the proposed changes are refused, and which need confirming (window_changes)."""
    latest_extension = db.session.scalar(
        select(func.max(Entry.extended_closes_at)).where(Entry.window_id == window.id)
    )
    waiting = _waiting_at_gate(window)
    deferrals_pending = db.session.scalar(
        select(func.count(DeferralRequest.id)).join(Entry, Entry.id == DeferralRequest.entry_id)
        .where(_waiting_at_gate_clause(window), DeferralRequest.status == RequestStatus.PENDING))
    entered = db.session.scalar(select(func.count(Entry.id)).where(
        Entry.window_id == window.id, Entry.entered.is_(True), Entry.outcome.is_(None)))
    return window_changes.review(_terms(window), _proposed_terms(settings), at, latest_extension,
                                 waiting=waiting, deferrals_pending=deferrals_pending,
                                 entered=entered)


def live_entries(window: AssessmentWindow) -> list[Entry]:
    """Everyone entered whose attempt is still running: whom a change to the window reaches."""
    return list(db.session.scalars(
        select(Entry).where(Entry.window_id == window.id, Entry.entered.is_(True),
                            Entry.outcome.is_(None)).order_by(Entry.id)
    ))


def waiting_entries(window: AssessmentWindow) -> list[Entry]:
    """Everyone waiting for the 90% engagement gate at the window's engagement deadline: whom a
    change to that deadline reaches."""
    return list(db.session.scalars(
        select(Entry).where(_waiting_at_gate_clause(window)).order_by(Entry.id)))


def _waiting_at_gate(window: AssessmentWindow) -> int:
    return db.session.scalar(select(func.count(Entry.id)).where(_waiting_at_gate_clause(window)))


def _waiting_at_gate_clause(window: AssessmentWindow):
    return and_(Entry.window_id == window.id, Entry.entered.is_(False), Entry.outcome.is_(None))


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
    of what the admin was shown, and those that help are emailed to everyone entered. A
    changed engagement deadline is emailed to everyone waiting at its gate; a removed one
    applies the gate to them at once (entered or lost, each emailed)."""
    before = _describe(window)
    review = review_update(window, settings, at)
    if review.refusals:
        raise WindowError(" ".join(refusal.message for refusal in review.refusals))
    if review.needs_confirmation and confirmed != review.fingerprint:
        raise WindowError("Confirm the changes before they are saved.")
    waiting = waiting_entries(window) if review.gate_change else []
    window.name = settings.name.strip()
    _apply(window, settings)
    # Personal deadlines follow the window's (an arrangement counts from its deadline day).
    deadline_extensions.refresh_deadlines(list(window.entries))
    notified = live_entries(window) if review.improvements else []
    if notified:
        notifications.window_changed(window, notified, review.improvements, at)
    gate = review.gate_change
    gated = {}
    if gate and gate.kind is GateChangeKind.CLEARED:
        # With no deadline to wait for, the gate is applied now, as it is at entry.
        lost = engagement.apply_gate(waiting, at, when="when the engagement deadline was removed")
        gated = {entry.participant_id: entry.id not in lost for entry in waiting}
    elif gate:
        notifications.engagement_deadline_moved(window, waiting, gate, at)
    audit.record("window.updated", actor=actor, window_id=window.id, before=before,
                 after=_describe(window), confirmed=review.needs_confirmation,
                 changes_for_participants=[
                     {"change": i.label, "before": i.before, "after": i.after}
                     for i in review.improvements
                 ], participants_notified=len(notified),
                 **({"engagement_deadline_change": {
                     "change": gate.kind.value, "before": gate.before, "after": gate.after,
                     "waiting_notified": len(waiting),
                     "entered_at_once": sorted(p for p, entered in gated.items() if entered),
                     "lost_at_once": sorted(p for p, entered in gated.items() if not entered),
                 }} if gate else {}))
    return window


def _apply(window: AssessmentWindow, settings: WindowSettings) -> None:
    window.set_schedule(settings.first_day, settings.length_days, settings.release_time,
                        settings.deadline_time)
    window.word_limit = settings.word_limit
    window.tolerance_percent = settings.tolerance_percent
    window.marking_deadline = settings.marking_deadline
    window.second_marking_percent = settings.second_marking_percent
    window.max_extension_days = settings.max_extension_days
    window.review_period_days = settings.review_period_days
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
        "review_period_days": window.review_period_days,
        "engagement_deadline": (window.engagement_deadline.isoformat()
                                if window.engagement_deadline else None),
        "npqs": sorted(p.npq_code for p in window.papers),
    }


def attach_case_study(paper: WindowPaper, case_paper: CasePaper, actor: User,
                      at: datetime) -> None:
    """Attach an unused bank paper of the NPQ to the window, before release only."""
    if paper.window.is_released(at):
        raise WindowError("The case study has been released and can no longer be changed.")
    if case_paper.npq_code != paper.npq_code:
        raise WindowError(f"That paper is for {case_paper.npq_code}, not {paper.npq_code}.")
    if case_paper.used_in is not None and case_paper.used_in is not paper:
        raise WindowError(f"“{case_paper.title}” is already used in {case_paper.used_in.window.name}: "
                          "attach a paper nobody has been given.")
    try:
        # Checked now, not months later when the first script is marked.
        rubric_store.rubric_for(paper.npq_code)
    except rubric_store.RubricUnavailable as problem:
        raise WindowError(f"{problem} Fix the file before attaching a paper: no "
                          f"{paper.npq_code} script could be marked with it.") from None
    readers = papers.readers_of(case_paper, paper.window, at)
    if readers:
        names = ", ".join(f"{u.name} ({u.email})" for u in readers)
        raise WindowError(f"“{case_paper.title}” has already been read by people entered for "
                          f"{paper.npq_code} in this window: {names}. Attach a different paper.")
    replaced = paper.paper_id
    paper.case_paper, paper.attached_at = case_paper, at
    audit.record("case_study.attached", actor=actor, window_id=paper.window_id,
                 npq=paper.npq_code, paper_id=case_paper.id, title=case_paper.title,
                 replaced_paper_id=replaced)


def enter_participants(window: AssessmentWindow, npq_code: str, emails: list[str],
                       actor: User, confirmed: frozenset[str] = frozenset(),
                       at: datetime | None = None) -> list[Entry]:
    """Enter participants by email, all or nothing (at `at`, by default now). Raises WindowError
    if the window's deadline has passed or listing every problem with the people; then
    NeedsConfirmation, unless `confirmed` has each warning's key, within 48 hours of the
    deadline (entry_rules) and for anyone on a first attempt outside their programme's dates."""
    at = at or now()
    if window.paper_for(npq_code) is None:
        raise WindowError(f"This window does not serve {npq_code}.")
    timing = entry_rules.entry_timing(window.closes_at, at)
    if timing is entry_rules.EntryTiming.CLOSED:
        raise WindowError(entry_rules.closed_message(window.name, window.closes_at))
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    if not wanted:
        raise WindowError("Enter at least one email address.")
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(wanted)))}
    already = set(db.session.scalars(
        select(Entry.participant_id).where(Entry.window_id == window.id)
    ))
    # With an engagement deadline still to come, entries wait for the 90% gate; otherwise the
    # gate is applied now, at entry.
    gated = window.engagement_deadline is not None and window.engagement_deadline > at
    problems, counted = [], {}
    for email in wanted:
        user = users.get(email)
        if user is None:
            problems.append(f"{email}: no participant has this email address")
        elif user.role is not Role.PARTICIPANT:
            problems.append(f"{email}: this person is not a participant")
        elif user.id in already:
            problems.append(f"{email}: already entered for this window")
        else:
            standing = _ledger(user, npq_code)
            counted[email] = standing.counted
            problem = (_programme_problem(user, npq_code)
                       or _attempt_problem(user, window, npq_code, standing, at)
                       or (None if gated else engagement.below_gate(user.id, npq_code, window)))
            if problem:
                problems.append(f"{email}: {problem}")
    if problems:
        raise WindowError("Nobody was entered. " + "; ".join(problems) + ".")
    last_day = window.first_day + timedelta(days=window.length_days - 1)
    # The three-month rule holds a first attempt to the programme's dates; a resit comes later.
    outside = {email for email in wanted
               if entry_rules.three_month_rule_applies(counted[email])
               and outside_assessment_period(users[email].programme_end_date, window.first_day,
                                             last_day)}
    warnings = {}
    if timing is entry_rules.EntryTiming.NEEDS_CONFIRMING:
        warnings[entry_rules.late_entry_key(window.closes_at)] = entry_rules.late_entry_warning(
            window.name, window.closes_at, at)
    warnings |= {email: _outside_dates_warning(users[email], window, last_day)
                 for email in wanted if email in outside}
    if set(warnings) - confirmed:
        raise NeedsConfirmation(warnings)
    entries = [
        Entry(window_id=window.id, participant_id=users[email].id, npq_code=npq_code,
              candidate_number=new_candidate_number(), entered=not gated)
        for email in wanted
    ]
    db.session.add_all(entries)
    db.session.flush()
    deadline_extensions.apply_arrangements(entries, at)  # before the notices, which give the deadline
    for entry in entries:
        audit.record("participant.entered", actor=actor, window_id=window.id,
                     participant_id=entry.participant_id, npq=npq_code,
                     candidate_number=entry.candidate_number,
                     confirmed_outside_programme_dates=entry.participant.email in outside,
                     confirmed_within_48_hours_of_deadline=(
                         timing is entry_rules.EntryTiming.NEEDS_CONFIRMING))
        if entry.entered:
            notifications.entered(entry, at)
    return entries


def _programme_problem(user: User, npq_code: str) -> str | None:
    """Participants are entered only for their own programme's NPQ."""
    wanted = f"{NPQ_NAMES[npq_code]} ({npq_code})"
    if user.programme is None:
        return f"{user.name} has no programme recorded, so cannot be entered for {wanted}"
    if user.programme != npq_code:
        return (f"{user.name}'s programme is {NPQ_NAMES[user.programme]} ({user.programme}), "
                f"not {wanted}")
    return None


def _outside_dates_warning(user: User, window: AssessmentWindow, last_day: date) -> str:
    return (f"{user.name} ({user.email}): their programme ends on "
            f"{user.programme_end_date:%-d %B %Y}, and this window ({window.first_day:%-d %B %Y} "
            f"to {last_day:%-d %B %Y}) is not within {ASSESSMENT_PERIOD_MONTHS} months of it")


def _ledger(user: User, npq_code: str) -> attempts.Ledger:
    """Their attempts at this NPQ so far."""
    return attempts.ledger(db.session.scalars(
        select(Entry.outcome).where(Entry.participant_id == user.id, Entry.npq_code == npq_code)))


def _attempt_problem(user: User, window: AssessmentWindow, npq_code: str,
                     ledger: attempts.Ledger, at: datetime) -> str | None:
    """Why this person cannot take this NPQ in this window, or None."""
    standing = ledger.standing
    if standing is attempts.Standing.ACHIEVED:
        return "has already passed this NPQ"
    if standing is attempts.Standing.NOT_ACHIEVED:
        return "has used both attempts: the outcome is final"
    if standing is attempts.Standing.IN_PROGRESS:
        return "has an attempt in progress"
    paper = window.paper_for(npq_code)
    if (paper is not None and paper.case_paper is not None
            and papers.has_read(user.id, paper.case_paper, at)):
        return "has already read this window's case study; a resit needs a different one"
    return None


def npqs() -> list[Npq]:
    return list(db.session.scalars(select(Npq).order_by(Npq.code)))
