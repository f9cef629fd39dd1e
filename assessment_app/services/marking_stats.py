"""How often markers agree with second markers and moderators."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Allocation, AllocationStatus, Mark, MarkingRole, Moderation, User


@dataclass(frozen=True)
class Agreement:
    marker: str
    double_marked: int
    same_outcome: int
    moderated: int
    upheld: int  # moderations whose final outcome matched this marker's

    @property
    def outcome_agreement(self) -> float | None:
        return self.same_outcome / self.double_marked if self.double_marked else None


def agreement_by_marker() -> list[Agreement]:
    """Per first marker: outcome agreement with the blind second mark, and moderation results."""
    first_alloc, second_alloc = aliased(Allocation), aliased(Allocation)
    first_mark, second_mark = aliased(Mark), aliased(Mark)
    rows = db.session.execute(
        select(User.name, first_mark.outcome, second_mark.outcome, Moderation.outcome)
        .select_from(first_alloc)
        .join(User, User.id == first_alloc.marker_id)
        .join(first_mark, first_mark.allocation_id == first_alloc.id)
        .join(second_alloc, (second_alloc.entry_id == first_alloc.entry_id)
              & (second_alloc.role == MarkingRole.SECOND)
              & (second_alloc.status == AllocationStatus.SUBMITTED))
        .join(second_mark, second_mark.allocation_id == second_alloc.id)
        .outerjoin(Moderation, (Moderation.entry_id == first_alloc.entry_id)
                   & Moderation.decided_at.is_not(None))
        .where(first_alloc.role == MarkingRole.FIRST,
               first_alloc.status == AllocationStatus.SUBMITTED)
    ).all()
    tally: dict[str, list[int]] = {}
    for name, first, second, final in rows:
        t = tally.setdefault(name, [0, 0, 0, 0])
        t[0] += 1
        t[1] += first == second
        if final is not None:
            t[2] += 1
            t[3] += final == first
    return [Agreement(name, *t) for name, t in sorted(tally.items())]
