"""What a marker, moderator or reviewer enters for a script (a level and a comment for each
criterion, and feedback), checked against the rubric."""

from dataclasses import dataclass, field

from ..models import Judgement
from ..rubrics import Rubric
from .marking_error import MarkingError


@dataclass
class MarkInput:
    levels: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    feedback: str = ""


def set_judgements(existing: list, rubric: Rubric, data: MarkInput, add,
                    make=Judgement) -> None:
    """Set each criterion's level and comment, adding a `make` row where one is missing."""
    by_criterion = {j.criterion_id: j for j in existing}
    for criterion in rubric.criteria:
        level = data.levels.get(criterion.id) or None
        if level is not None and level not in {lv.id for lv in rubric.levels}:
            raise MarkingError(f"Choose a level for “{criterion.title}”.")
        judgement = by_criterion.get(criterion.id)
        if judgement is None:
            judgement = make(criterion_id=criterion.id)
            add(judgement)
        judgement.level_id = level
        judgement.comment = data.comments.get(criterion.id, "").strip()


def checked_levels(rubric: Rubric, data: MarkInput) -> dict[str, str]:
    """A level of the rubric for every criterion (say, a definitive script's agreed levels)."""
    levels = {lv.id for lv in rubric.levels}
    for criterion in rubric.criteria:
        if data.levels.get(criterion.id) and data.levels[criterion.id] not in levels:
            raise MarkingError(f"Choose a level for “{criterion.title}”.")
    return complete_levels(rubric, data)


def complete_levels(rubric: Rubric, data: MarkInput) -> dict[str, str]:
    missing = [c.title for c in rubric.criteria if not data.levels.get(c.id)]
    if missing:
        raise MarkingError("Choose a level for every criterion: " + "; ".join(missing) + ".")
    return {c.id: data.levels[c.id] for c in rubric.criteria}
