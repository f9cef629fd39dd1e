"""The scheduler leader's heartbeat, so any web worker can tell whether a scheduler runs."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime

HEARTBEAT_ID = 1  # one row: one leader per database


class SchedulerHeartbeat(db.Model):
    """When the leading scheduler last ticked (each minute), and who it was."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    leader: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
