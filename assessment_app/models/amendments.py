"""Amendments of recorded attempt outcomes, kept as history for the DfE return, and the admin's
rulings that may cause them."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, now


class OutcomeAmendment(db.Model):
    """An admin's change to an entry's recorded outcome, with what it was, why, who and when."""

    __tablename__ = "outcome_amendment"
    __table_args__ = (
        CheckConstraint("previous_outcome IN ('passed', 'failed', 'voided', 'not_submitted', "
                        "'lost_engagement')", name="previous_outcome_recorded"),
        # The new outcome is always one of the DfE's states.
        CheckConstraint("new_outcome IN ('passed', 'failed', 'voided')", name="new_outcome_dfe"),
        CheckConstraint("new_outcome != previous_outcome", name="outcome_changes"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    previous_outcome: Mapped[str] = mapped_column(String(20))
    previous_completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    new_outcome: Mapped[str] = mapped_column(String(20))
    new_completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    # None: recorded by the scheduler (say, a late result after an extension).
    amended_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)

    entry = relationship("Entry")
    actor = relationship("User")


class OutcomeRuling(db.Model):
    """An admin's ruling on an attempt after results (an outside review's result, or a void for
    a late EC decision): a fact the outcome rule weighs (attempt_outcome.py), with why."""

    __tablename__ = "outcome_ruling"
    __table_args__ = (
        CheckConstraint("outcome IN ('passed', 'failed', 'voided')", name="ruling_dfe"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    ruled_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    ruled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
