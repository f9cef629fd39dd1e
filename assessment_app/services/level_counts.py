"""The distribution report's counts of each level given, kept as marks change.

A submitted mark on a live script adds one to each of its criterion levels (for its window,
marker, NPQ and rubric version); a submitted mark withdrawn takes them away again. Both
happen in the transaction that changes the mark, through `shift`, so the report reads a row
per marker, criterion and level whatever the window's size. `recount` makes them afresh from
the marks (the `flask recount-levels` command, and after a bulk load).
"""

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Entry,
    Judgement,
    LevelCount,
    Mark,
)

_KEY = ("window_id", "marker_id", "npq_code", "rubric_version", "criterion_id", "level_id")
_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def shift(allocation: Allocation, mark: Mark, by: int) -> None:
    """Count a submitted mark's levels in (by=1) or out (by=-1): one statement."""
    entry = allocation.entry
    rows = [{"window_id": entry.window_id, "marker_id": allocation.marker_id,
             "npq_code": entry.npq_code, "rubric_version": mark.rubric_version,
             "criterion_id": j.criterion_id, "level_id": j.level_id, "n": by}
            for j in mark.judgements if j.level_id is not None]
    if not rows:
        return
    upsert = _UPSERT[db.session.get_bind().dialect.name](LevelCount).values(rows)
    db.session.execute(upsert.on_conflict_do_update(
        index_elements=list(_KEY), set_={"n": LevelCount.n + upsert.excluded.n}))


def fresh(window_id: int):
    """The counts made from the window's submitted marks (what the kept ones must equal)."""
    return (
        select(Entry.window_id, Allocation.marker_id, Entry.npq_code, Mark.rubric_version,
               Judgement.criterion_id, Judgement.level_id, func.count(Judgement.id).label("n"))
        .select_from(Judgement)
        .join(Mark, Mark.id == Judgement.mark_id)
        .join(Allocation, Allocation.id == Mark.allocation_id)
        .join(Entry, Entry.id == Allocation.entry_id)
        .where(Entry.window_id == window_id, Allocation.status == AllocationStatus.SUBMITTED,
               Judgement.level_id.is_not(None))
        .group_by(Entry.window_id, Allocation.marker_id, Entry.npq_code, Mark.rubric_version,
                  Judgement.criterion_id, Judgement.level_id))


def recount(window: AssessmentWindow) -> None:
    """Make the window's kept counts afresh from its marks: two statements."""
    db.session.execute(delete(LevelCount).where(LevelCount.window_id == window.id))
    db.session.execute(insert(LevelCount).from_select([*_KEY, "n"], fresh(window.id)))
    db.session.flush()
