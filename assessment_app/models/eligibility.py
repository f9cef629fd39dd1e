"""Engagement figures, deferral requests, extenuating circumstances and extensions."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, enum_column, now


class EngagementRecord(db.Model):
    """A participant's completion of their programme, as the learning platform reported it."""

    __tablename__ = "engagement_record"
    __table_args__ = (CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    npq_code: Mapped[str] = mapped_column(ForeignKey("npq.code"))
    percent: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False))
    as_of: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    source: Mapped[str] = mapped_column(String(255))  # the imported file's name


class EngagementExemption(db.Model):
    """An admin's decision that one participant is entered for one window below 90%, with why."""

    __tablename__ = "engagement_exemption"
    __table_args__ = (
        UniqueConstraint("participant_id", "window_id"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id"))
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    window = relationship("AssessmentWindow")
    granter = relationship("User", foreign_keys=[granted_by])


class RequestStatus(StrEnum):
    PENDING = "pending"
    AGREED = "agreed"
    REFUSED = "refused"


class DeferralRequest(db.Model):
    """A participant's request, before the engagement deadline, to move to a later window."""

    __tablename__ = "deferral_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    requested_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus),
                                                  default=RequestStatus.PENDING)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    to_window_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_window.id"))

    entry = relationship("Entry")
    to_window = relationship("AssessmentWindow")


class EcCategory(StrEnum):
    ILLNESS = "illness"
    BEREAVEMENT = "bereavement"
    PREGNANCY = "pregnancy"
    FAMILY_EMERGENCY = "family_emergency"
    OTHER = "other"


EC_CATEGORY_TEXT = {
    EcCategory.ILLNESS: "Serious illness or injury",
    EcCategory.BEREAVEMENT: "Bereavement",
    EcCategory.PREGNANCY: "Pregnancy-related",
    EcCategory.FAMILY_EMERGENCY: "Family emergency",
    EcCategory.OTHER: "Something else unforeseeable and beyond your control",
}


class EcDecision(StrEnum):
    REJECT = "reject"
    EXTENSION = "extension"
    DEFER = "defer"
    VOID = "void"


class EcClaim(db.Model):
    """An extenuating-circumstances claim. Only admins (and the participant) ever see it."""

    __tablename__ = "ec_claim"
    __table_args__ = (CheckConstraint("affected_to >= affected_from", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    category: Mapped[EcCategory] = mapped_column(enum_column(EcCategory))
    description: Mapped[str] = mapped_column(Text)
    affected_from: Mapped[date] = mapped_column(Date)
    affected_to: Mapped[date] = mapped_column(Date)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    filed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decision: Mapped[EcDecision | None] = mapped_column(enum_column(EcDecision))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    entry = relationship("Entry")
    evidence: Mapped[list["EcEvidence"]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="EcEvidence.id"
    )


class EcEvidence(db.Model):
    """An evidence file, kept in the database (never under static/) and served only to admins."""

    __tablename__ = "ec_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("ec_claim.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    claim: Mapped[EcClaim] = relationship(back_populates="evidence")


class Extension(db.Model):
    """A personal deadline granted to one participant by any route (individually, to a group,
    on an EC claim, or by an access arrangement), with why; kept when taken back."""

    __table_args__ = (
        CheckConstraint("extra_days IS NULL OR extra_days >= 1", name="extra_days_positive"),
        CheckConstraint("withdrawn_at IS NULL OR (length(trim(withdrawal_reason)) > 0 "
                        "AND withdrawn_by IS NOT NULL)", name="withdrawal_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    # The first late instant it gave when granted. An access arrangement's counts its extra
    # days from the window's deadline day instead (entry_deadlines.py), so it follows the window.
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extra_days: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    ec_claim_id: Mapped[int | None] = mapped_column(ForeignKey("ec_claim.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    entry = relationship("Entry")
    granter = relationship("User", foreign_keys=[granted_by])

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None
