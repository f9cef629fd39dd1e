"""The bank of case-study papers: each NPQ's papers, their handouts, where each was used."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, enum_column, now


class PaperSource(StrEnum):
    MARKDOWN = "markdown"  # a Markdown file with its front matter
    DOCX = "docx"  # a Word document, converted to Markdown when uploaded


class CasePaper(db.Model):
    """A case study in the bank; never edited, so what a window's participants read is fixed."""

    __tablename__ = "case_paper"
    # The same file twice in one NPQ's bank would let one paper be sat twice under two names.
    __table_args__ = (UniqueConstraint("npq_code", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    npq_code: Mapped[str] = mapped_column(ForeignKey("npq.code"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    # What participants read (rendered by case_studies.render_case_study).
    markdown: Mapped[str] = mapped_column(Text)
    source: Mapped[PaperSource] = mapped_column(enum_column(PaperSource))
    original_filename: Mapped[str] = mapped_column(String(255))
    # Of the file as uploaded: a receipt that says exactly which file this paper came from.
    sha256: Mapped[str] = mapped_column(String(64))
    # Of the Markdown participants read: a re-upload of the same text (a new title, say) is
    # the same paper for the rule that nobody sits a paper twice.
    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    # None for papers loaded from the repository by the import-papers command.
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    handouts: Mapped[list["PaperHandout"]] = relationship(
        back_populates="paper", order_by="PaperHandout.filename", cascade="all, delete-orphan"
    )
    uploader = relationship("User")
    # At most one (window_paper.paper_id is unique): a paper is sat in one window only.
    used_in = relationship("WindowPaper", back_populates="case_paper", uselist=False)


class PaperHandout(db.Model):
    """A file participants download beside a paper (data tables, a school's plan)."""

    __tablename__ = "paper_handout"
    __table_args__ = (
        UniqueConstraint("paper_id", "filename"),
        CheckConstraint("size >= 0", name="size_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("case_paper.id", ondelete="CASCADE"),
                                          index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    paper: Mapped[CasePaper] = relationship(back_populates="handouts")


class PaperResemblance(db.Model):
    """Two papers of one NPQ whose texts are near-copies (paper_likeness.py), found when the
    later one was added: they are one paper for the rule that nobody reads a paper twice."""

    __tablename__ = "paper_resemblance"
    __table_args__ = (
        UniqueConstraint("paper_id", "resembles_id"),
        CheckConstraint("paper_id <> resembles_id", name="not_itself"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The paper added later, and the one already in the bank that it resembles.
    paper_id: Mapped[int] = mapped_column(ForeignKey("case_paper.id", ondelete="CASCADE"),
                                          index=True)
    resembles_id: Mapped[int] = mapped_column(ForeignKey("case_paper.id", ondelete="CASCADE"),
                                              index=True)
    # The share of the shorter paper's text found in the other, rounded down.
    percent: Mapped[int]
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    paper: Mapped[CasePaper] = relationship(foreign_keys=[paper_id])
    resembles: Mapped[CasePaper] = relationship(foreign_keys=[resembles_id])
