"""Assessment windows, the NPQs and case studies they serve, and who is entered."""

from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Time,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import deadlines
from ..extensions import db
from ..review_rules import DEFAULT_REVIEW_PERIOD_DAYS
from ._types import UTCDateTime, now
from .papers import CasePaper


class Npq(db.Model):
    """One of the ten National Professional Qualifications."""

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))


class AssessmentWindow(db.Model):
    """An assessment window: release on day 1, deadline at the end of the last day (London time)."""

    __tablename__ = "assessment_window"
    __table_args__ = (
        CheckConstraint("length_days >= 1", name="length_positive"),
        CheckConstraint("word_limit > 0", name="word_limit_positive"),
        CheckConstraint(
            "tolerance_percent >= 0 AND tolerance_percent <= 50", name="tolerance_range"
        ),
        CheckConstraint("closes_at > release_at", name="closes_after_release"),
        CheckConstraint(
            "second_marking_percent >= 0 AND second_marking_percent <= 100",
            name="second_marking_range",
        ),
        CheckConstraint("max_extension_days >= 0", name="max_extension_non_negative"),
        CheckConstraint("review_period_days >= 1", name="review_period_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The wall-clock definition an admin enters ...
    first_day: Mapped[date] = mapped_column(Date)
    length_days: Mapped[int] = mapped_column(default=deadlines.DEFAULT_LENGTH_DAYS)
    release_time: Mapped[time] = mapped_column(Time, default=deadlines.DEFAULT_RELEASE_TIME)
    deadline_time: Mapped[time] = mapped_column(Time, default=deadlines.DEFAULT_DEADLINE_TIME)
    # ... and the UTC instants computed from it, which every rule and query uses.
    release_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    word_limit: Mapped[int] = mapped_column(default=1500)
    tolerance_percent: Mapped[int] = mapped_column(default=0)
    # Set by the scheduled release job; visibility never depends on it.
    release_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Marking: when markers should finish, the share of each marker's scripts second-marked,
    # and when participants see results (decided from the clock, like the case study).
    marking_deadline: Mapped[date | None] = mapped_column(Date)
    second_marking_percent: Mapped[int] = mapped_column(default=10)
    results_release_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Entry: participants below 90% by this instant lose the attempt unless deferred. None (or
    # passed): the 90% gate is applied at the moment of entry instead.
    engagement_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest personal deadline an extension may give, in days after the window's.
    max_extension_days: Mapped[int] = mapped_column(default=14)
    # Working days after results are released in which a participant may ask for a review.
    review_period_days: Mapped[int] = mapped_column(
        default=DEFAULT_REVIEW_PERIOD_DAYS, server_default=str(DEFAULT_REVIEW_PERIOD_DAYS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    papers: Mapped[list["WindowPaper"]] = relationship(
        back_populates="window", order_by="WindowPaper.npq_code", cascade="all, delete-orphan"
    )
    entries: Mapped[list["Entry"]] = relationship(back_populates="window")

    def set_schedule(self, first_day: date, length_days: int, release_time: time,
                     deadline_time: time) -> None:
        instants = deadlines.window_instants(first_day, length_days, release_time, deadline_time)
        self.first_day, self.length_days = first_day, length_days
        self.release_time, self.deadline_time = release_time, deadline_time
        self.release_at, self.closes_at = instants.release_at, instants.closes_at

    @property
    def instants(self) -> deadlines.WindowInstants:
        return deadlines.WindowInstants(self.release_at, self.closes_at)

    def state(self, at: datetime) -> deadlines.WindowState:
        return deadlines.window_state(self.instants, at)

    def is_released(self, at: datetime) -> bool:
        return deadlines.is_released(self.release_at, at)

    def results_released(self, at: datetime) -> bool:
        return self.results_release_at is not None and at >= self.results_release_at

    @property
    def latest_extension_closes_at(self) -> datetime:
        return deadlines.latest_extension(self.closes_at, self.deadline_time,
                                          self.max_extension_days)

    def paper_for(self, npq_code: str) -> "WindowPaper | None":
        return next((p for p in self.papers if p.npq_code == npq_code), None)


class WindowPaper(db.Model):
    """An NPQ served by a window, with the bank paper attached for it (at most one window each)."""

    __tablename__ = "window_paper"
    __table_args__ = (UniqueConstraint("window_id", "npq_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id", ondelete="CASCADE"))
    npq_code: Mapped[str] = mapped_column(ForeignKey("npq.code"))
    # Unique: a paper is sat in one window only, so nobody meets it twice.
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("case_paper.id"), unique=True)
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    window: Mapped[AssessmentWindow] = relationship(back_populates="papers")
    npq: Mapped[Npq] = relationship()
    case_paper: Mapped["CasePaper | None"] = relationship(back_populates="used_in")

    @property
    def has_case_study(self) -> bool:
        return self.paper_id is not None

    @property
    def case_study_title(self) -> str | None:
        return self.case_paper.title if self.case_paper else None

    @property
    def case_study_markdown(self) -> str | None:
        return self.case_paper.markdown if self.case_paper else None

    @property
    def handouts(self) -> list:
        return self.case_paper.handouts if self.case_paper else []


class Entry(db.Model):
    """A participant entered for one NPQ's assessment in one window (one attempt)."""

    __table_args__ = (
        UniqueConstraint("window_id", "participant_id"),
        # The window page's order and the marking page's: a page read in index order.
        Index("ix_entry_window_npq", "window_id", "npq_code", "id"),
        Index("ix_entry_window_candidate", "window_id", "candidate_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    npq_code: Mapped[str] = mapped_column(ForeignKey("npq.code"))
    # What markers see instead of a name; new for every entry so attempts cannot be linked.
    candidate_number: Mapped[str] = mapped_column(String(12), unique=True)
    # The participant's own deadline (first late instant) when later than the window's: only
    # ever entry_deadlines.stored_deadline of the extensions in force (services/extensions.py).
    extended_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # False while waiting for the engagement gate: no access to the case study until entered.
    entered: Mapped[bool] = mapped_column(default=True)
    # The attempt's outcome (attempts.AttemptOutcome) and the rule that decided it
    # (attempt_outcome.Rule), recorded only by services/outcomes.py from all the facts.
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_rule: Mapped[str | None] = mapped_column(String(20))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whether its checking is unfinished (an undecided case, a first mark or a needed second
    # mark not in), kept by services/checking.py as allocations, cases and the sample change,
    # so the marking page counts them without joining the window's allocations.
    checking_open: Mapped[bool] = mapped_column(default=True, server_default=true())
    # What the DfE return shows for this attempt (an outcome with a DfE state, and its date):
    # kept while a late extension runs the attempt again, so a reported row never vanishes.
    reported_outcome: Mapped[str | None] = mapped_column(String(20))
    reported_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    window: Mapped[AssessmentWindow] = relationship(back_populates="entries")
    participant = relationship("User")
    npq: Mapped[Npq] = relationship()

    @property
    def closes_at(self) -> datetime:
        return deadlines.personal_closes_at(self.window.closes_at, self.extended_closes_at)

    def is_in_time(self, at: datetime) -> bool:
        return deadlines.is_in_time(self.closes_at, at)

    @property
    def paper(self) -> WindowPaper | None:
        return self.window.paper_for(self.npq_code)
