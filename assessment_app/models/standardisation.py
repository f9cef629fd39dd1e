"""Standardisation: definitive scripts, the copies given to markers (seeds), the lead's decisions."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, enum_column, now
from .marking import AllocationStatus, Mark, MarkingRole, Outcome


class SeedPurpose(StrEnum):
    QUALIFICATION = "qualification"  # marked openly before live marking
    LIVE = "live"  # hidden among live scripts


class LeadAction(StrEnum):
    CLEAR = "clear"  # let a marker mark live: after qualification outside tolerance, or a stop
    FEEDBACK = "feedback"  # drift: feedback given, the marker continues
    STOP = "stop"  # drift: no more scripts; unmarked ones go back to the pool
    SECOND_MARK = "second_mark"  # drift: scripts since the last good seed are second-marked


class StandardisationSetting(db.Model):
    """A window's seed rate, qualification set size and tolerance (defaults when absent)."""

    __tablename__ = "standardisation_setting"
    __table_args__ = (
        CheckConstraint("seed_every >= 2", name="seed_every_at_least_2"),
        CheckConstraint("qualification_size >= 1", name="qualification_size_positive"),
        CheckConstraint("criteria_off_allowed >= 0", name="criteria_off_non_negative"),
    )

    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id"), primary_key=True)
    seed_every: Mapped[int] = mapped_column(default=20)  # one seed in this many scripts
    qualification_size: Mapped[int] = mapped_column(default=3)
    # Outcome must agree, no criterion more than one level off, at most this many one level off.
    criteria_off_allowed: Mapped[int] = mapped_column(default=1)


class DefinitiveScript(db.Model):
    """A script with its agreed levels and rationale, set by the lead for one NPQ and window."""

    __tablename__ = "definitive_script"
    __table_args__ = (CheckConstraint("length(trim(rationale)) > 0", name="rationale_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id"), index=True)
    npq_code: Mapped[str] = mapped_column(ForeignKey("npq.code"))
    # The case study it answers: shown beside it, as beside any script.
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("case_paper.id"))
    # The earlier window's entry it was copied from (kept for the lead; never shown to markers).
    source_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"))
    text: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int]
    levels: Mapped[dict] = mapped_column(JSON)  # criterion id -> agreed level id
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    rubric_version: Mapped[str] = mapped_column(String(64))
    rationale: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    window = relationship("AssessmentWindow")
    paper = relationship("CasePaper")


class Seed(db.Model):
    """A definitive script given to one marker, under a candidate number of its own, in their
    queue (or their qualification set) with a state and a mark of its own: to the marker it
    reads as a live script does (an Allocation), attribute for attribute."""

    __tablename__ = "seed_script"
    # A marker never meets the same definitive script twice (they would know it).
    __table_args__ = (UniqueConstraint("marker_id", "definitive_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id"), index=True)
    marker_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    definitive_id: Mapped[int] = mapped_column(ForeignKey("definitive_script.id"))
    purpose: Mapped[SeedPurpose] = mapped_column(enum_column(SeedPurpose))
    candidate_number: Mapped[str] = mapped_column(String(12), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # In the marker's queue: to mark, marked, or handed back (then never offered to anyone).
    status: Mapped[AllocationStatus] = mapped_column(
        enum_column(AllocationStatus), default=AllocationStatus.ALLOCATED
    )
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(Text)
    # Set when the marker submits: within tolerance of the definitive marks, and how not.
    agrees: Mapped[bool | None]
    differences: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    window = relationship("AssessmentWindow")
    marker = relationship("User")
    definitive: Mapped[DefinitiveScript] = relationship()
    mark: Mapped[Mark | None] = relationship(back_populates="seed", uselist=False)

    # A seed is first-marked, and was allocated when it was issued.
    role = MarkingRole.FIRST

    @property
    def allocated_at(self) -> datetime:
        return self.issued_at

    @property
    def npq_code(self) -> str:
        return self.definitive.npq_code


class LeadDecision(db.Model):
    """The lead's decision on a marker's standardisation in a window and NPQ, with a reason."""

    __tablename__ = "lead_decision"
    __table_args__ = (CheckConstraint("length(trim(reason)) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id"), index=True)
    npq_code: Mapped[str] = mapped_column(ForeignKey("npq.code"))
    marker_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[LeadAction] = mapped_column(enum_column(LeadAction))
    reason: Mapped[str] = mapped_column(Text)
    remarked: Mapped[int] = mapped_column(default=0)  # scripts sent to second marking
    decided_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    marker = relationship("User", foreign_keys=[marker_id])
