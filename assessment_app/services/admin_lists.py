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


def _page(keys, order, page: int, size: int = PAGE_SIZE, total: int | None = None,
          searched: bool = False) -> tuple[int, int, list[tuple]]:
    """How many rows the query `keys` selects (unless the caller has counted them: `total`),
    the page asked for (the last when it is past the end) and that page's rows in `order`:
    the few columns that identify each (an id), for the caller to load the page's objects by.

    Two statements, one when the caller has counted. A text search (`searched`) tests every
    row whatever the order, so its count is carried beside each row of the page (a window
    function): one statement, one pass over the rows, not two (three statements for a page
    past its end). Other filters keep the separate count, since their page can stop early in
    an index's order."""
    asked = max(1, page)
    if total is None and searched:
        found = db.session.execute(keys.add_columns(func.count().over()).order_by(*order)
                                   .limit(size).offset((asked - 1) * size)).all()
        if found or asked == 1:
            return (found[0][-1] if found else 0), asked, [tuple(row[:-1]) for row in found]
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(keys.order_by(None).subquery()))
    page = min(asked, max(1, -(-total // size)))
    return total, page, [tuple(row) for row in db.session.execute(
        keys.order_by(*order).limit(size).offset((page - 1) * size))]


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
    and a name, email or candidate number (`unfiltered_total`: the caller's count of them
    all, used when nothing filters); _page's statements, then one for the page's rows."""
    filtered = bool(npq or status in ENTRY_STATUSES or search.strip())
    query = select(Entry.id).where(Entry.window_id == window.id)
    if npq:
        query = query.where(Entry.npq_code == npq)
    if status in ENTRY_STATUSES:
        query = query.where(ENTRY_STATUSES[status][1])
    if search.strip():
        text = f"%{search.strip().lower()}%"
        # Joined only to search: an unsearched list's ids are read from entry's index alone.
        query = query.join(User, User.id == Entry.participant_id).where(
            or_(func.lower(User.name).like(text), func.lower(User.email).like(text),
                func.lower(Entry.candidate_number).like(text)))
    order = (Entry.npq_code, Entry.id)
    total, page, keys = _page(query, order, page, total=None if filtered else unfiltered_total,
                              searched=bool(search.strip()))
    rows = db.session.execute(
        select(Entry, _submitted.label("submitted")).where(Entry.id.in_([k for k, in keys]))
        .options(joinedload(Entry.participant)).order_by(*order))
    return Page([EntryRow(e, bool(s)) for e, s in rows], total, page)


def people(*, role: str = "", programme: str = "", search: str = "", page: int = 1) -> Page:
    """Everyone by name, filtered by role, programme and a name, email or school; _page's
    statements, then one for the page's rows."""
    query = select(User.id)
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if programme:
        query = query.where(User.programme == programme)
    if search.strip():
        text = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(text), func.lower(User.email).like(text),
                                func.lower(User.school).like(text)))
    order = (User.name, User.id)
    total, page, keys = _page(query, order, page, searched=bool(search.strip()))
    return Page(list(db.session.scalars(
        select(User).where(User.id.in_([k for k, in keys])).order_by(*order))), total, page)


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
    moderation, filtered by NPQ, status (SCRIPT_STATUSES) and marker (`unfiltered_total` as
    for window_entries); _page's statements, then three: the page's entries, their
    allocations and their moderation."""
    filtered = bool(npq or status in SCRIPT_STATUSES or marker_id)
    query = marked_entries(window, at).with_only_columns(Entry.id)
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
    order = (Entry.candidate_number,)
    total, page, keys = _page(query, order, page, total=None if filtered else unfiltered_total)
    ids = [k for k, in keys]
    entries = db.session.scalars(select(Entry).where(Entry.id.in_(ids)).order_by(*order)).all()
    allocations = {(a.entry_id, a.role): a for a in db.session.scalars(
        select(Allocation).where(Allocation.entry_id.in_(ids),
                                 Allocation.status != AllocationStatus.RETURNED)
        .options(joinedload(Allocation.marker), joinedload(Allocation.mark)))}
    cases = {c.entry_id: c for c in db.session.scalars(
        select(Moderation).where(Moderation.entry_id.in_(ids)))}
    return Page([ScriptRow(e, allocations.get((e.id, MarkingRole.FIRST)),
                           allocations.get((e.id, MarkingRole.SECOND)), cases.get(e.id))
                 for e in entries], total, page)
