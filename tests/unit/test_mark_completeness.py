"""Which comments a mark needs (a rubric's comments_required) and what a mark lacks before it
can be checked and made final (assessment_app/mark_check.py), and the fingerprint of a mark
as the check page showed it."""

import copy

import pytest
import yaml
from unit.test_rubrics_loading import VALID

from assessment_app.mark_check import Note, fingerprint, problems
from assessment_app.rubrics import CommentRule, load_rubrics, parse_rubric
from assessment_app.settings import PROJECT_ROOT


def rubric(comments=None):
    data = copy.deepcopy(VALID)
    if comments is not None:
        data["comments_required"] = comments
    return parse_rubric(yaml.safe_dump(data))


IDS = [c["id"] for c in VALID["criteria"]]
SECURE = dict.fromkeys(IDS, "secure")
COMMENTED = {i: f"On {i}." for i in IDS}


def test_by_default_every_criterion_and_the_overall_feedback_need_a_comment():
    """Criterion comments and feedback are the participant's feedback (domain.md), so a rubric
    that says nothing asks for all of them; every shipped rubric does."""
    assert rubric().comments_required == CommentRule("every", True)
    assert all(r.comments_required == CommentRule("every", True)
               for r in load_rubrics(PROJECT_ROOT / "rubrics").values())
    assert all(rubric().comment_required(i, level) for i in IDS
               for level in ("not_evident", "strong", None))


def test_below_pass_asks_for_a_comment_only_under_the_pass_level():
    below = rubric({"criteria": "below_pass"})
    assert below.comment_required("diagnosis", "developing")
    assert below.comment_required("diagnosis", "not_evident")
    assert not below.comment_required("diagnosis", "secure")
    assert not below.comment_required("diagnosis", None)  # no level yet: nothing to ask
    assert not rubric({"criteria": "none"}).comment_required("diagnosis", "not_evident")


def test_a_complete_mark_lacks_nothing():
    assert problems(rubric(), SECURE, COMMENTED, "Feedback.") == []


def test_each_missing_level_comment_and_feedback_is_a_problem_at_its_field():
    """In the form's order; a level's link goes to its first radio, as GOV.UK's summary does;
    a comment of spaces is no comment."""
    found = problems(rubric(), {"diagnosis": "secure", "implementation": "strong"},
                     {"diagnosis": "   ", "approach": "Fine.", "implementation": "Good."}, " ")
    assert [(p.field, p.anchor) for p in found] == [
        ("comment-diagnosis", "comment-diagnosis"),
        ("level-approach", "level-approach-not_evident"),
        ("feedback", "feedback")]
    assert found[0].message.startswith("Enter a comment on “Criterion diagnosis”")
    assert found[1].message.startswith("Choose a level for every criterion")


@pytest.mark.parametrize("comments, levels, missing", [
    ({"criteria": "below_pass"}, {**SECURE, "approach": "developing"},
     ["comment-approach", "feedback"]),
    ({"criteria": "below_pass"}, SECURE, ["feedback"]),
    ({"criteria": "none", "overall_feedback": False}, SECURE, []),
    ({"overall_feedback": False}, SECURE, ["comment-diagnosis", "comment-approach",
                                           "comment-implementation"]),
])
def test_the_rubric_says_which_comments_are_needed(comments, levels, missing):
    assert [p.field for p in problems(rubric(comments), levels, {}, "")] == missing


def test_a_required_note_is_a_problem_when_blank():
    note = Note("reason", "  ", "Give the reason for your decision.")
    found = problems(rubric(), SECURE, COMMENTED, "Feedback.", (note,))
    assert [(p.field, p.message) for p in found] == [("reason",
                                                      "Give the reason for your decision.")]


def test_the_fingerprint_changes_with_anything_the_check_page_shows():
    """A level, a comment, the feedback, a note or the rubric's version each change it; the
    same mark always gives the same one."""
    base = rubric()
    note = (Note("reason", "Because.", ""),)
    same = fingerprint(base, SECURE, COMMENTED, "Feedback.", note)
    assert same == fingerprint(base, dict(SECURE), dict(COMMENTED), "Feedback.", note)
    changed = [
        fingerprint(base, {**SECURE, "approach": "strong"}, COMMENTED, "Feedback.", note),
        fingerprint(base, SECURE, {**COMMENTED, "approach": "Other."}, "Feedback.", note),
        fingerprint(base, SECURE, COMMENTED, "Feedback!", note),
        fingerprint(base, SECURE, COMMENTED, "Feedback.", (Note("reason", "Other.", ""),)),
        fingerprint(rubric({"criteria": "below_pass"}), SECURE, COMMENTED, "Feedback.", note),
    ]
    assert same not in changed and len(set(changed)) == len(changed)


def test_the_mark_check_module_imports_no_flask():
    import ast

    import assessment_app.mark_check as module

    tree = ast.parse(PROJECT_ROOT.joinpath("assessment_app", "mark_check.py").read_text())
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert module and not [name for name in imported if "flask" in name.lower()]
