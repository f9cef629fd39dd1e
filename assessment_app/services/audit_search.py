"""Searching the audit trail by participant, window and the person who acted."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from ..extensions import db
from ..models import AuditEvent, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def search(participant: str = "", window_id: int | None = None, actor: str = "",
           page: int = 1) -> AuditPage:
    """Newest first; participant and actor match by email or name, case-insensitively."""
    query = select(AuditEvent)
    if participant:
        who = aliased(User)
        query = query.join(who, who.id == AuditEvent.participant_id).where(
            func.lower(who.email).contains(participant.lower())
            | func.lower(who.name).contains(participant.lower()))
    if actor:
        by = aliased(User)
        query = query.join(by, by.id == AuditEvent.actor_id).where(
            func.lower(by.email).contains(actor.lower())
            | func.lower(by.name).contains(actor.lower()))
    if window_id:
        query = query.where(AuditEvent.window_id == window_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, page)
    events = db.session.scalars(
        query.options(selectinload(AuditEvent.actor), selectinload(AuditEvent.participant))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return AuditPage(events, total, page)
