"""Checking a mark before it becomes final: what it still lacks, and a fingerprint of the mark
as the check page showed it.

A mark (a marker's, a moderator's or a reviewer's) needs a level for every criterion, the
comments its rubric asks for (Rubric.comment_required) and any note the step requires (a
moderator's reason, a reviewer's rationale). The marker sees it on a check page and submits
that page; the fingerprint it carries is compared with the draft as it is then, so a draft
changed in another tab meanwhile is never made final unseen.

No Flask here: the marking services and the marker's pages both use these functions.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from .rubrics import Rubric


@dataclass(frozen=True)
class Problem:
    """One thing missing, at the form field `field`; `anchor` is the id a link to it targets
    (a group of radios is reached at its first radio, as GOV.UK's error summary does)."""

    field: str
    anchor: str
    message: str


@dataclass(frozen=True)
class Note:
    """A required text beside the rubric, such as a moderator's reason: its field, its value,
    and what to say when it is empty."""

    field: str
    value: str
    missing: str


def problems(rubric: Rubric, levels: Mapping[str, str], comments: Mapping[str, str],
             feedback: str, notes: tuple[Note, ...] = ()) -> list[Problem]:
    """Everything the mark lacks, in the order of the form."""
    found = []
    for criterion in rubric.criteria:
        level = levels.get(criterion.id) or None
        if level is None:
            found.append(Problem(f"level-{criterion.id}",
                                 f"level-{criterion.id}-{rubric.levels[0].id}",
                                 "Choose a level for every criterion: none is chosen for "
                                 f"“{criterion.title}”."))
        if rubric.comment_required(criterion.id, level) and not comments.get(criterion.id,
                                                                            "").strip():
            found.append(Problem(f"comment-{criterion.id}", f"comment-{criterion.id}",
                                 f"Enter a comment on “{criterion.title}”: the participant "
                                 "reads it as feedback."))
    if rubric.comments_required.overall_feedback and not feedback.strip():
        found.append(Problem("feedback", "feedback", "Enter the overall feedback: the "
                                                     "participant reads it with the results."))
    found += [Problem(n.field, n.field, n.missing) for n in notes if not n.value.strip()]
    return found


def by_field(found: list[Problem]) -> dict[str, str]:
    """Each problem's message at its field, for the field's own error message."""
    return {problem.field: problem.message for problem in found}


def fingerprint(rubric: Rubric, levels: Mapping[str, str], comments: Mapping[str, str],
                feedback: str, notes: tuple[Note, ...] = ()) -> str:
    """A hash of everything the check page shows: the rubric version (its rule gives the
    outcome), each level and comment, the feedback and the notes."""
    shown = {"rubric": rubric.version, "levels": dict(levels), "feedback": feedback,
             "comments": {k: v for k, v in comments.items() if v},
             "notes": {n.field: n.value for n in notes}}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode("utf-8")).hexdigest()
