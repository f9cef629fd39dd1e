"""Reviews of marking: a participant's request, the admin's decision and the blind review."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, enum_column, now
from .marking import Outcome


class ReviewStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"  # with a reviewer, who has not submitted yet
    REJECTED = "rejected"
    COMPLETED = "completed"


class ReviewRequest(db.Model):
    """One attempt's review of marking (at most one per attempt), from grounds to outcome."""

    __tablename__ = "review_request"
    __table_args__ = (CheckConstraint("length(trim(grounds)) > 0", name="grounds_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: one request per attempt, held by the database as well as the service.
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), unique=True)
    grounds: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    requested_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus),
                                                 default=ReviewStatus.REQUESTED)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # The review itself: a marker or moderator who had not marked the script, marking blind.
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    rubric_version: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    feedback: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the review changed the outcome: the amendment that records it.
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("outcome_amendment.id"))

    entry = relationship("Entry")
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    amendment = relationship("OutcomeAmendment")
    judgements: Mapped[list["ReviewJudgement"]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewJudgement.id"
    )

    def levels(self) -> dict[str, str]:
        return {j.criterion_id: j.level_id for j in self.judgements if j.level_id}


class ReviewJudgement(db.Model):
    """The reviewer's level and comment for one criterion."""

    __tablename__ = "review_judgement"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review_request.id", ondelete="CASCADE"))
    criterion_id: Mapped[str] = mapped_column(String(64))
    level_id: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[ReviewRequest] = relationship(back_populates="judgements")
