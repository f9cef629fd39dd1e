"""The admin's long lists (a window's entries, its scripts in marking), a page at a time with
filters, in a fixed number of statements whatever the cohort's size."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload

from ..attempts import OUTCOME_TEXT, AttemptOutcome
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Entry,
    MarkingRole,
    Moderation,
    Role,
    SubmissionVersion,
    User,
)
from .allocations import marked_entries

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    """One page of a filtered list: its rows, how many match in all, and where it is."""

    rows: list
    total: int
    page: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The number of the page's first row, from 1 (0 when nothing matches)."""
        return min(self.total, (self.page - 1) * self.size + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.size)


def _page(query, order, page: int, size: int = PAGE_SIZE, total: int | None = None):
    """The count (unless the caller has it) and one page of `query`'s rows: two statements."""
    if total is None:
        total = db.session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery()))
    page = min(max(1, page), max(1, -(-total // size)))
    return total, page, query.order_by(*order).limit(size).offset((page - 1) * size)


# A window's entries ---------------------------------------------------------------------

_submitted = exists().where(SubmissionVersion.entry_id == Entry.id)

ENTRY_STATUSES = {
    "submitted": ("Submitted", _submitted),
    "no_submission": ("Nothing submitted", ~_submitted & Entry.entered.is_(True)),
    "waiting": ("Waiting for the engagement gate", Entry.entered.is_(False)),
    "extension": ("With an extension", Entry.extended_closes_at.is_not(None)),
    "in_progress": ("In progress (no outcome yet)", Entry.outcome.is_(None)),
    **{o.value: (OUTCOME_TEXT[o], Entry.outcome == o.value) for o in AttemptOutcome},
}


@dataclass(frozen=True)
class EntryRow:
    entry: Entry
    submitted: bool


def window_entries(window: AssessmentWindow, *, npq: str = "", status: str = "",
                   search: str = "", page: int = 1, unfiltered_total: int | None = None) -> Page:
    """The window's entries by NPQ then entry order, filtered by NPQ, status (ENTRY_STATUSES)
    and a name, email or candidate number; three statements, two when nothing filters them
    and the caller has counted them (`unfiltered_total`)."""
    filtered = bool(npq or status in ENTRY_STATUSES or search.strip())
    query = select(Entry, _submitted.label("submitted")).where(Entry.window_id == window.id)
    if npq:
        query = query.where(Entry.npq_code == npq)
    if status in ENTRY_STATUSES:
        query = query.where(ENTRY_STATUSES[status][1])
    if search.strip():
        text = f"%{search.strip().lower()}%"
        # Joined only to search: the count and the page of an unsearched list read entries.
        query = query.join(User, User.id == Entry.participant_id).where(
            or_(func.lower(User.name).like(text), func.lower(User.email).like(text),
                func.lower(Entry.candidate_number).like(text)))
    total, page, rows = _page(query.options(joinedload(Entry.participant)),
                              (Entry.npq_code, Entry.id), page,
                              total=None if filtered else unfiltered_total)
    return Page([EntryRow(e, bool(s)) for e, s in db.session.execute(rows)], total, page)


def people(*, role: str = "", programme: str = "", search: str = "", page: int = 1) -> Page:
    """Everyone by name, filtered by role, programme and a name, email or school; two
    statements."""
    query = select(User)
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if programme:
        query = query.where(User.programme == programme)
    if search.strip():
        text = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(text), func.lower(User.email).like(text),
                                func.lower(User.school).like(text)))
    total, page, rows = _page(query, (User.name, User.id), page)
    return Page(list(db.session.scalars(rows)), total, page)


def entry_count(window: AssessmentWindow) -> int:
    return db.session.scalar(select(func.count(Entry.id)).where(Entry.window_id == window.id))


# A window's scripts in marking -----------------------------------------------------------


def _live(role: MarkingRole, *conditions):
    return exists().where(Allocation.entry_id == Entry.id, Allocation.role == role,
                          Allocation.status != AllocationStatus.RETURNED, *conditions)


SCRIPT_STATUSES = {
    "unallocated": ("Not allocated", ~_live(MarkingRole.FIRST)),
    "first_marking": ("Waiting for first marking",
                      _live(MarkingRole.FIRST, Allocation.status == AllocationStatus.ALLOCATED)),
    "second_marking": ("Waiting for second marking",
                       _live(MarkingRole.SECOND, Allocation.status == AllocationStatus.ALLOCATED)),
    "moderation": ("Waiting for moderation", exists().where(Moderation.entry_id == Entry.id,
                                                            Moderation.decided_at.is_(None))),
    "moderated": ("Moderated", exists().where(Moderation.entry_id == Entry.id,
                                              Moderation.decided_at.is_not(None))),
}


@dataclass(frozen=True)
class ScriptRow:
    entry: Entry
    first: Allocation | None
    second: Allocation | None
    case: Moderation | None


def window_scripts(window: AssessmentWindow, at: datetime, *, npq: str = "", status: str = "",
                   marker_id: int | None = None, page: int = 1,
                   unfiltered_total: int | None = None) -> Page:
    """The window's marked scripts by candidate number with their live allocations and any
    moderation, filtered by NPQ, status (SCRIPT_STATUSES) and marker; four statements, three
    when nothing filters them and the caller has counted them (`unfiltered_total`)."""
    filtered = bool(npq or status in SCRIPT_STATUSES or marker_id)
    query = marked_entries(window, at)
    if npq:
        query = query.where(Entry.npq_code == npq)
    if status in SCRIPT_STATUSES:
        query = query.where(SCRIPT_STATUSES[status][1])
    if marker_id:
        # The marker's scripts found once, not looked for under every script of the window
        # (SQLite would scan the marker's allocations for each).
        query = query.where(Entry.id.in_(
            select(Allocation.entry_id).where(Allocation.marker_id == marker_id,
                                              Allocation.status != AllocationStatus.RETURNED)))
    total, page, rows = _page(query, (Entry.candidate_number,), page,
                              total=None if filtered else unfiltered_total)
    entries = db.session.scalars(rows).all()
    ids = [e.id for e in entries]
    allocations = {(a.entry_id, a.role): a for a in db.session.scalars(
        select(Allocation).where(Allocation.entry_id.in_(ids),
                                 Allocation.status != AllocationStatus.RETURNED)
        .options(joinedload(Allocation.marker), joinedload(Allocation.mark)))}
    cases = {c.entry_id: c for c in db.session.scalars(
        select(Moderation).where(Moderation.entry_id.in_(ids)))}
    return Page([ScriptRow(e, allocations.get((e.id, MarkingRole.FIRST)),
                           allocations.get((e.id, MarkingRole.SECOND)), cases.get(e.id))
                 for e in entries], total, page)
