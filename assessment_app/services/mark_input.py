"""What a marker, moderator or reviewer enters for a script (a level and a comment for each
criterion, and feedback), checked against the rubric."""

from dataclasses import dataclass, field

from .. import mark_check
from ..models import Judgement
from ..rubrics import Rubric
from .marking_error import MarkingError

STALE = ("The mark has changed since this page was shown (perhaps in another tab), so it was "
         "not submitted. Check it again below, then submit it.")


@dataclass
class MarkInput:
    levels: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    feedback: str = ""


def stored(owner) -> MarkInput:
    """A mark as saved, draft or final: a Mark, a Moderation or a ReviewRequest (each holds
    its judgements and feedback alike)."""
    return MarkInput(levels=owner.levels(), feedback=owner.feedback or "",
                     comments={j.criterion_id: j.comment for j in owner.judgements if j.comment})


class IncompleteMark(MarkingError):
    """A mark that lacks a level, a comment, the feedback or a required note; `problems` says
    which, field by field."""

    def __init__(self, problems: list[mark_check.Problem]):
        self.problems = problems
        super().__init__(" ".join(p.message for p in problems))


class StaleCheck(MarkingError):
    """The draft is no longer the mark the check page showed."""


def check_complete(rubric: Rubric, data: MarkInput, notes: tuple = ()) -> None:
    """Raise IncompleteMark unless the mark has all mark_check.problems asks for."""
    problems = mark_check.problems(rubric, data.levels, data.comments, data.feedback, notes)
    if problems:
        raise IncompleteMark(problems)


def shown_fingerprint(rubric: Rubric, data: MarkInput, notes: tuple = ()) -> str:
    return mark_check.fingerprint(rubric, data.levels, data.comments, data.feedback, notes)


def check_as_shown(rubric: Rubric, data: MarkInput, shown: str, notes: tuple = ()) -> None:
    """Before a mark becomes final: it is the one the check page showed (`shown` is that
    page's fingerprint), and it is complete."""
    if shown != shown_fingerprint(rubric, data, notes):
        raise StaleCheck(STALE)
    check_complete(rubric, data, notes)


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
