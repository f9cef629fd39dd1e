"""The one rule for "a newer draft waits unsubmitted" (assessment_app/newer_draft.py)."""

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from assessment_app.newer_draft import NewerDraft, newer_draft, sha256_text

SUBMITTED_AT = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
SUBMITTED = "The text I submitted."


class Draft(NamedTuple):
    text: str
    saved_at: datetime
    word_count: int


def test_a_draft_saved_after_the_submission_with_other_text_is_newer():
    later = SUBMITTED_AT + timedelta(minutes=1)
    draft = Draft("The text I submitted, and more.", later, 6)
    assert newer_draft(draft, sha256_text(SUBMITTED), SUBMITTED_AT) == NewerDraft(later, 6)


def test_the_same_text_saved_after_the_submission_is_not_newer():
    """An autosave racing the submit, with the text just submitted: nothing is unsubmitted."""
    draft = Draft(SUBMITTED, SUBMITTED_AT + timedelta(seconds=2), 4)
    assert newer_draft(draft, sha256_text(SUBMITTED), SUBMITTED_AT) is None


def test_a_draft_saved_before_the_submission_is_not_newer_whatever_its_text():
    """An upload submitted after typing: the older typed draft is not what waits."""
    for saved_at in (SUBMITTED_AT - timedelta(minutes=5), SUBMITTED_AT):
        draft = Draft("Something typed earlier.", saved_at, 3)
        assert newer_draft(draft, sha256_text(SUBMITTED), SUBMITTED_AT) is None


def test_without_a_submission_or_a_draft_nothing_is_newer():
    draft = Draft("Only a draft.", SUBMITTED_AT, 3)
    assert newer_draft(draft, None, None) is None
    assert newer_draft(None, sha256_text(SUBMITTED), SUBMITTED_AT) is None


def test_an_emptied_draft_after_a_submission_is_newer():
    """Deleting everything after submitting is a change the pages must not hide."""
    draft = Draft("", SUBMITTED_AT + timedelta(minutes=1), 0)
    assert newer_draft(draft, sha256_text(SUBMITTED), SUBMITTED_AT).word_count == 0
