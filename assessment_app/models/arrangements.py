"""Access arrangements: standing extra time for a participant, with evidence only admins see."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, now


class AccessArrangement(db.Model):
    """A participant's standing arrangement (one each), applied to every window they enter."""

    __tablename__ = "access_arrangement"
    __table_args__ = (
        CheckConstraint("extra_days >= 1", name="extra_days_positive"),
        CheckConstraint("length(trim(details)) > 0", name="details_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), unique=True)
    extra_days: Mapped[int]
    details: Mapped[str] = mapped_column(Text)  # what it is for and why: admins only
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # Ended arrangements are kept (with their evidence) but apply to no further window.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    participant = relationship("User", foreign_keys=[participant_id])
    evidence: Mapped[list["ArrangementEvidence"]] = relationship(
        back_populates="arrangement", cascade="all, delete-orphan",
        order_by="ArrangementEvidence.id"
    )


class ArrangementEvidence(db.Model):
    """An evidence file for an arrangement, kept in the database and served only to admins."""

    __tablename__ = "arrangement_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("access_arrangement.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    arrangement: Mapped[AccessArrangement] = relationship(back_populates="evidence")
