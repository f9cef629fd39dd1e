"""The external moderator's pack for a window, built by the scheduler and then downloaded."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, enum_column, now


class PackStatus(StrEnum):
    QUEUED = "queued"  # asked for; waiting for the scheduler to claim it
    BUILDING = "building"  # claimed by one scheduler, which writes its progress
    READY = "ready"  # the file is in EXPORTS_FOLDER, to download
    FAILED = "failed"  # error says why
    REMOVED = "removed"  # ready once; its file was removed a day after it was built


# Queued or building: at most one such pack per window (the unique index below).
LIVE = (PackStatus.QUEUED, PackStatus.BUILDING)
_LIVE_WHERE = text("status IN ('queued', 'building')")


class ModerationPack(db.Model):
    """One build of a window's moderation pack (services/moderation_packs.py): who asked, how
    far it has gone, and the file it made. `heartbeat_at` moves with each progress write, so a
    build whose process died is seen and queued again."""

    __tablename__ = "moderation_pack"
    __table_args__ = (
        Index("uq_moderation_pack_live", "window_id", unique=True,
              sqlite_where=_LIVE_WHERE, postgresql_where=_LIVE_WHERE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("assessment_window.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    status: Mapped[PackStatus] = mapped_column(enum_column(PackStatus), default=PackStatus.QUEUED)
    done: Mapped[int] = mapped_column(default=0)  # scripts written so far
    total: Mapped[int] = mapped_column(default=0)  # scripts in the pack, once known
    stage: Mapped[str] = mapped_column(String(200), default="Waiting to start")
    builder: Mapped[str | None] = mapped_column(String(200))  # the scheduler that claimed it
    attempts: Mapped[int] = mapped_column(default=0)  # claims so far (a crash loop stops)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_name: Mapped[str | None] = mapped_column(String(255))  # inside EXPORTS_FOLDER
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)

    window = relationship("AssessmentWindow")
    requester = relationship("User")
