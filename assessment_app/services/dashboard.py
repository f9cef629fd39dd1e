"""Figures for the admin's window dashboard and reports, each in a fixed number of queries."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select

from ..clock import LONDON, to_london
from ..deadlines import deadline_day
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Draft,
    EcClaim,
    Entry,
    LevelCount,
    MarkingRole,
    Moderation,
    SubmissionVersion,
    User,
)
from .rubric_store import rubric_at


@dataclass(frozen=True)
class WindowFigures:
    entered: int
    drafts_started: int
    submitted: int
    on_extension: int
    ec_pending: int
    allocated: int
    marked: int
    second_marked: int
    moderated: int
    released: bool


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def figures(window: AssessmentWindow, at: datetime) -> WindowFigures:
    in_window = select(Entry.id).where(Entry.window_id == window.id)
    entered, on_extension = db.session.execute(
        select(func.count(case((Entry.entered.is_(True), 1))),
               func.count(Entry.extended_closes_at)).where(Entry.window_id == window.id)).one()

    def scripts(role, submitted: bool):
        """Scripts with a live allocation in `role` (only submitted ones if asked): a script has
        at most one live allocation per role (uq_allocation_live), so rows are scripts."""
        live = (Allocation.status == AllocationStatus.SUBMITTED if submitted
                else Allocation.status != AllocationStatus.RETURNED)
        return func.count(case(((Allocation.role == role) & live, 1)))

    allocated, marked, second_marked = db.session.execute(
        select(scripts(MarkingRole.FIRST, False), scripts(MarkingRole.FIRST, True),
               scripts(MarkingRole.SECOND, True))
        .join(Entry, Entry.id == Allocation.entry_id).where(Entry.window_id == window.id)).one()
    return WindowFigures(
        entered=entered,
        drafts_started=_count(select(Draft.id).where(Draft.entry_id.in_(in_window),
                                                     Draft.word_count > 0)),
        # Every submitted script has a version 1 (numbers start at 1; versions are never
        # removed): counted without a DISTINCT over every version.
        submitted=db.session.scalar(
            select(func.count()).select_from(SubmissionVersion)
            .join(Entry, Entry.id == SubmissionVersion.entry_id)
            .where(Entry.window_id == window.id, SubmissionVersion.number == 1)),
        on_extension=on_extension,
        ec_pending=_count(select(EcClaim.id).where(EcClaim.entry_id.in_(in_window),
                                                   EcClaim.decided_at.is_(None))),
        allocated=allocated, marked=marked, second_marked=second_marked,
        moderated=_count(select(Moderation.id).where(Moderation.entry_id.in_(in_window),
                                                     Moderation.decided_at.is_not(None))),
        released=window.results_released(at),
    )


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LONDON).astimezone(UTC)


def submissions_by_day(window: AssessmentWindow) -> list[tuple[date, int]]:
    """First submissions per London day, for every day of the window (and of any extension),
    counted by the database in buckets between London midnights: no row per submission."""
    latest_extension = db.session.scalar(
        select(func.max(Entry.extended_closes_at)).where(Entry.window_id == window.id))
    last = window.first_day + timedelta(days=window.length_days - 1)
    if latest_extension is not None:
        last = max(last, deadline_day(latest_extension))
    days = [window.first_day + timedelta(days=i) for i in range((last - window.first_day).days + 1)]
    firsts = (select(SubmissionVersion.submitted_at).join(Entry)
              .where(Entry.window_id == window.id, SubmissionVersion.number == 1))
    # Bucket i holds days[i]; -1 is before the first day (not shown), len(days) after the last.
    bucket = case(*((SubmissionVersion.submitted_at < _london_midnight(day), i - 1)
                    for i, day in enumerate([*days, last + timedelta(days=1)])),
                  else_=len(days)).label("day")
    counted = dict(db.session.execute(
        firsts.with_only_columns(bucket, func.count()).group_by(bucket)).all())
    per_day = Counter({days[i]: n for i, n in counted.items() if 0 <= i < len(days)})
    if counted.get(len(days)):  # after the last day: rare, so read one by one
        per_day.update(to_london(at).date() for at in db.session.scalars(
            firsts.where(SubmissionVersion.submitted_at >= _london_midnight(
                last + timedelta(days=1)))))
        days += [last + timedelta(days=i) for i in range(1, (max(per_day) - last).days + 1)]
    return [(day, per_day[day]) for day in days]


@dataclass(frozen=True)
class MarkerProgress:
    marker: str
    allocated: int
    submitted: int
    returned: int

    @property
    def in_progress(self) -> int:
        return self.allocated - self.submitted


def progress_by_marker(window: AssessmentWindow) -> list[MarkerProgress]:
    rows = db.session.execute(
        select(User.id, User.name, Allocation.status, func.count(Allocation.id))
        .join(User, User.id == Allocation.marker_id).join(Entry, Entry.id == Allocation.entry_id)
        .where(Entry.window_id == window.id)
        .group_by(User.id, User.name, Allocation.status)
    ).all()
    # By id: two markers may share a name.
    tally: dict[tuple[str, int], Counter] = {}
    for marker_id, name, status, n in rows:
        tally.setdefault((name, marker_id), Counter())[status] += n
    return [
        MarkerProgress(name, c[AllocationStatus.ALLOCATED] + c[AllocationStatus.SUBMITTED],
                       c[AllocationStatus.SUBMITTED], c[AllocationStatus.RETURNED])
        for (name, _), c in sorted(tally.items())
    ]


@dataclass(frozen=True)
class CriterionLevels:
    """How often one marker gave each level on one criterion."""

    npq_code: str
    criterion: str  # the rubric's name for it
    counts: Counter


def level_distribution(window: AssessmentWindow) -> dict[str, list[CriterionLevels]]:
    """marker -> their levels per criterion, from submitted marks: for moderators' reviews.
    Criteria are named and ordered as in the rubric each mark was made with."""
    # Read from the counts kept as marks change (level_counts), by marker id, then named.
    rows = db.session.execute(
        select(User.name + " (" + User.email + ")", LevelCount.npq_code,
               LevelCount.rubric_version, LevelCount.criterion_id, LevelCount.level_id,
               LevelCount.n)
        .join(LevelCount, LevelCount.marker_id == User.id)
        .where(LevelCount.window_id == window.id, LevelCount.n > 0)
    ).all()
    rubrics = {version: rubric_at(version) for version in {row[2] for row in rows}}
    counts: dict[str, dict[tuple, Counter]] = {}
    for marker, npq_code, version, criterion_id, level, n in rows:
        rubric = rubrics[version]
        criterion = rubric.criterion(criterion_id)
        key = (npq_code, rubric.criteria.index(criterion), criterion.title)
        counts.setdefault(marker, {}).setdefault(key, Counter())[level] += n
    return {marker: [CriterionLevels(npq_code, title, by_level[(npq_code, place, title)])
                     for npq_code, place, title in sorted(by_level)]
            for marker, by_level in sorted(counts.items())}
