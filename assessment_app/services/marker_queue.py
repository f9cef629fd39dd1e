"""A marker's queue, a page at a time: live scripts (allocations) and seeds together, in a
fixed number of statements whatever its length.

Seeds sit among live scripts in the order they were given, by candidate number within a batch,
so neither their place in the queue nor their address tells them apart.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Entry,
    Seed,
    SeedPurpose,
    User,
)
from .admin_lists import Page, _page


@dataclass(frozen=True)
class Queue:
    """The scripts still to mark and those submitted, each a page, and the marking deadlines
    of the windows with scripts still to mark, soonest first."""

    todo: Page
    done: Page
    deadlines: list[date]


def _queued(user: User, status: AllocationStatus):
    """(kind, id, allocated_at, candidate_number) of every script of the marker's in `status`;
    qualification scripts are listed apart."""
    live = (select(literal("live").label("kind"), Allocation.id.label("id"),
                   Allocation.allocated_at.label("given"),
                   Entry.candidate_number.label("number"), Entry.window_id.label("window_id"))
            .join(Entry, Entry.id == Allocation.entry_id)
            .where(Allocation.marker_id == user.id, Allocation.status == status))
    seeds = (select(literal("seed"), Seed.id, Seed.issued_at, Seed.candidate_number,
                    Seed.window_id)
             .where(Seed.marker_id == user.id, Seed.status == status,
                    Seed.purpose == SeedPurpose.LIVE))
    return union_all(live, seeds).subquery()


def _page_of(user: User, status: AllocationStatus, page: int) -> Page:
    queued = _queued(user, status)
    total, page, order = _page(select(queued.c.kind, queued.c.id),
                               (queued.c.given, queued.c.number, queued.c.kind, queued.c.id), page)
    wanted = {kind: [i for k, i in order if k == kind] for kind in ("live", "seed")}
    found = {("live", a.id): a for a in db.session.scalars(
        select(Allocation).where(Allocation.id.in_(wanted["live"]))
        .options(selectinload(Allocation.entry).selectinload(Entry.window),
                 selectinload(Allocation.mark)))}
    found |= {("seed", s.id): s for s in db.session.scalars(
        select(Seed).where(Seed.id.in_(wanted["seed"]))
        .options(selectinload(Seed.window), selectinload(Seed.definitive),
                 selectinload(Seed.mark)))}
    return Page([found[key] for key in order], total, page)


def queue(user: User, todo_page: int = 1, done_page: int = 1) -> Queue:
    """The marker's queue: a page of scripts to mark and a page of those submitted."""
    waiting = _queued(user, AllocationStatus.ALLOCATED)
    deadlines = db.session.scalars(
        select(AssessmentWindow.marking_deadline).distinct()
        .where(AssessmentWindow.id.in_(select(waiting.c.window_id)),
               AssessmentWindow.marking_deadline.is_not(None))
        .order_by(AssessmentWindow.marking_deadline)).all()
    return Queue(_page_of(user, AllocationStatus.ALLOCATED, todo_page),
                 _page_of(user, AllocationStatus.SUBMITTED, done_page), deadlines)
