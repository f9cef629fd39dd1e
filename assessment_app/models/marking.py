"""Marking: who may mark what, allocations of scripts, marks, moderation and final results."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, enum_column, now


class MarkingRole(StrEnum):
    FIRST = "first"
    SECOND = "second"


class AllocationStatus(StrEnum):
    ALLOCATED = "allocated"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # back to the pool: the marker cannot mark it, or an admin moved it


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class SampleReason(StrEnum):
    FAIL = "fail"
    BORDERLINE = "borderline"
    SHARE = "share"  # the window's share of the first marker's other scripts
    DRIFT = "drift"  # marked since its marker's last good seed, sent back by the lead


class RubricVersion(db.Model):
    """The exact text of a rubric file as used for marking, kept by its SHA-256."""

    __tablename__ = "rubric_version"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    npq_code: Mapped[str] = mapped_column(ForeignKey("npq.code"))
    content: Mapped[str] = mapped_column(Text)
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class MarkerProfile(db.Model):
    """A marker's or moderator's contract: capacity per window, share of the load, NPQs."""

    __tablename__ = "marker_profile"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_non_negative"),
        CheckConstraint("share > 0", name="share_positive"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    capacity: Mapped[int] = mapped_column(default=60)
    share: Mapped[float] = mapped_column(default=1.0)
    npq_codes: Mapped[str] = mapped_column(String(200), default="")  # space-separated codes

    user = relationship("User")

    @property
    def npqs(self) -> frozenset[str]:
        return frozenset(self.npq_codes.split())


class Allocation(db.Model):
    """A script (the entry's marked version) given to a marker as first or second marker.

    A seeded script (standardisation) is a Seed, not an allocation: its text is a definitive
    script's and its mark is its own, so no path from entries to results can reach it. In the
    marker's queue the two look alike (candidate_number, npq_code, window, role, status, mark)."""

    __table_args__ = (
        # One live allocation per script and role; returned ones are kept as history.
        Index(
            "uq_allocation_live",
            "entry_id",
            "role",
            unique=True,
            sqlite_where=text("status != 'returned'"),
            postgresql_where=text("status != 'returned'"),
        ),
        # A marker's queue, a page of one status at a time in the order given.
        Index("ix_allocation_marker_status", "marker_id", "status", "allocated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id"))
    marker_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    role: Mapped[MarkingRole] = mapped_column(enum_column(MarkingRole))
    status: Mapped[AllocationStatus] = mapped_column(
        enum_column(AllocationStatus), default=AllocationStatus.ALLOCATED
    )
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(Text)

    entry = relationship("Entry")
    version = relationship("SubmissionVersion")
    marker = relationship("User")
    mark: Mapped["Mark | None"] = relationship(back_populates="allocation", uselist=False)

    # What the marker's pages read, named as a Seed names them.
    @property
    def candidate_number(self) -> str:
        return self.entry.candidate_number

    @property
    def npq_code(self) -> str:
        return self.entry.npq_code

    @property
    def window(self):
        return self.entry.window


class Mark(db.Model):
    """A marker's judgements on one script, a live one (an allocation) or a seed, against the
    rubric version recorded with it."""

    __table_args__ = (
        CheckConstraint("(allocation_id IS NULL) != (seed_id IS NULL)", name="one_script"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocation.id"), unique=True)
    seed_id: Mapped[int | None] = mapped_column(ForeignKey("seed_script.id"), unique=True)
    rubric_version: Mapped[str] = mapped_column(String(64))
    feedback: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))  # set on submit
    borderline: Mapped[bool] = mapped_column(default=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    allocation: Mapped[Allocation | None] = relationship(back_populates="mark")
    seed = relationship("Seed", back_populates="mark")
    judgements: Mapped[list["Judgement"]] = relationship(
        back_populates="mark", cascade="all, delete-orphan", order_by="Judgement.id"
    )

    def levels(self) -> dict[str, str]:
        return {j.criterion_id: j.level_id for j in self.judgements if j.level_id}


class Judgement(db.Model):
    """The level and comment given for one criterion (in a mark or a moderation decision)."""

    __table_args__ = (
        UniqueConstraint("mark_id", "criterion_id"),
        UniqueConstraint("moderation_id", "criterion_id"),
        CheckConstraint("(mark_id IS NULL) != (moderation_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int | None] = mapped_column(ForeignKey("mark.id", ondelete="CASCADE"))
    moderation_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation.id", ondelete="CASCADE")
    )
    criterion_id: Mapped[str] = mapped_column(String(64))
    level_id: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")

    mark: Mapped[Mark | None] = relationship(back_populates="judgements")
    moderation: Mapped["Moderation | None"] = relationship(back_populates="judgements")


class Moderation(db.Model):
    """A script whose two marks disagree: a moderator sees both and sets the final mark."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), unique=True)
    why: Mapped[str] = mapped_column(Text)  # what the two marks disagreed on
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Set by an admin when no moderator could otherwise decide it: only this person may.
    assigned_moderator_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    rubric_version: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    feedback: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry = relationship("Entry")
    moderator = relationship("User", foreign_keys=[moderator_id])
    assigned_moderator = relationship("User", foreign_keys=[assigned_moderator_id])
    judgements: Mapped[list[Judgement]] = relationship(
        back_populates="moderation", cascade="all, delete-orphan", order_by="Judgement.id"
    )

    def levels(self) -> dict[str, str]:
        return {j.criterion_id: j.level_id for j in self.judgements if j.level_id}


class SecondMarkingSample(db.Model):
    """A script drawn for blind second marking, and why; kept so a retry never draws again."""

    __tablename__ = "second_marking_sample"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), primary_key=True)
    reason: Mapped[SampleReason] = mapped_column(enum_column(SampleReason))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LevelCount(db.Model):
    """How often one marker gave one level on one criterion in a window's submitted marks, kept
    as marks are submitted and withdrawn (services/level_counts.py) so the distribution report
    reads a row per level, not every judgement of the window."""

    __tablename__ = "level_count"

    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id"), primary_key=True)
    marker_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    npq_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    rubric_version: Mapped[str] = mapped_column(String(64), primary_key=True)
    criterion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    level_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
