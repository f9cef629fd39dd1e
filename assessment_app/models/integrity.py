"""Similarity checks of a window's scripts, and academic-misconduct cases (admins only)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Float, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, enum_column, now


class CheckTrigger(StrEnum):
    DEADLINE = "deadline"  # the scheduler, once every participant's deadline has passed
    ADMIN = "admin"  # an admin asked


class SimilarityRun(db.Model):
    """One similarity check of a window: asked for, then run by the scheduler, which records
    its pairs and finished_at in one transaction (a run cut short is simply run again)."""

    __tablename__ = "similarity_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id"), index=True)
    trigger: Mapped[CheckTrigger] = mapped_column(enum_column(CheckTrigger))
    # The deadline run's key, "<window id>@<latest personal deadline>": unique, so it is asked
    # for once however often the scheduler looks (a later extension makes a new key).
    deadline_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    threshold_percent: Mapped[int | None]
    scripts_checked: Mapped[int] = mapped_column(default=0)
    earlier_scripts: Mapped[int] = mapped_column(default=0)
    pairs_found: Mapped[int] = mapped_column(default=0)

    requester = relationship("User")


class ScriptSignature(db.Model):
    """A script version's shingles and MinHash signature (similarity.py), made by the first
    check that compares it and kept for every later one; made again only if the version's text
    (its SHA-256) or the similarity scheme has changed since."""

    __tablename__ = "script_signature"

    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id"), primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64))
    scheme: Mapped[int]
    shingle_count: Mapped[int]
    # SIGNATURE_BINS unsigned 64-bit values, little-endian (empty for a script with no shingle).
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    # The sorted distinct shingle hashes, 8 bytes each: read only for an exact count.
    shingles: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))


class SimilarityPair(db.Model):
    """A script of the window over the threshold with another script (of the window or an
    earlier one) or with its case study."""

    __tablename__ = "similarity_pair"
    __table_args__ = (
        CheckConstraint("(other_version_id IS NULL) <> (paper_id IS NULL)", name="one_other"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("similarity_run.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id"))
    other_version_id: Mapped[int | None] = mapped_column(ForeignKey("submission_version.id"))
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("case_paper.id"))
    shared_shingles: Mapped[int]
    overlap_percent: Mapped[float] = mapped_column(Float)

    run: Mapped[SimilarityRun] = relationship()
    version = relationship("SubmissionVersion", foreign_keys=[version_id])
    other_version = relationship("SubmissionVersion", foreign_keys=[other_version_id])
    paper = relationship("CasePaper")


class MisconductCase(db.Model):
    """An admin's academic-misconduct case on one attempt, with its decision (misconduct.py)."""

    __tablename__ = "misconduct_case"
    __table_args__ = (
        CheckConstraint("decision IS NULL OR decision IN ('no_case', 'upheld')",
                        name="decision_known"),
        CheckConstraint("decision IS NULL OR (length(trim(reason)) > 0 AND decided_at IS NOT NULL"
                        " AND decided_by IS NOT NULL)", name="decision_recorded"),
        CheckConstraint("appeal_decision IS NULL OR (decision = 'upheld' AND appeal_decision IN "
                        "('allowed', 'dismissed') AND length(trim(appeal_reason)) > 0 AND "
                        "appeal_decided_at IS NOT NULL AND appeal_decided_by IS NOT NULL)",
                        name="appeal_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One case per attempt: further evidence goes into the same case.
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), unique=True)
    opened_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Why the admin opened it (required since cases had one; older cases have none).
    opening_reason: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The participant's appeal against an upheld decision: allowed (the only way the misconduct
    # fail is lifted) or dismissed, with a reason.
    appeal_decision: Mapped[str | None] = mapped_column(String(20))
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appeal_decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    appeal_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry = relationship("Entry")
    opener = relationship("User", foreign_keys=[opened_by])
    decider = relationship("User", foreign_keys=[decided_by])
    evidence: Mapped[list["MisconductEvidence"]] = relationship(
        back_populates="case", order_by="MisconductEvidence.id")


class MisconductEvidence(db.Model):
    """A note, and optionally a file (checked as EC evidence is), added to a case."""

    __tablename__ = "misconduct_evidence"
    __table_args__ = (CheckConstraint("length(trim(note)) > 0", name="note_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("misconduct_case.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    added_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    case: Mapped[MisconductCase] = relationship(back_populates="evidence")
    adder = relationship("User")
