"""Whether the text a participant is writing is not the text that will be marked.

A submission does not rewrite the draft, and the editor keeps saving after it, so every page
that shows a submission asks this one rule whether a newer draft waits unsubmitted.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime


def sha256_text(text: str) -> str:
    """The fingerprint on a version's receipt: SHA-256 of the text's UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewerDraft:
    """A draft saved after the latest submission, with other text: not submitted."""

    saved_at: datetime
    word_count: int


def newer_draft(draft, submitted_sha256: str | None,
                submitted_at: datetime | None) -> NewerDraft | None:
    """The draft (text, saved_at, word_count), when it is newer than the latest submitted
    version and its text differs; None otherwise, or with nothing submitted (the pages then
    say the draft is not submitted yet). Saved after, with the same text (a save racing the
    submit), is not newer: nothing unsubmitted is in it."""
    if draft is None or submitted_at is None or draft.saved_at <= submitted_at:
        return None
    if sha256_text(draft.text) == submitted_sha256:
        return None
    return NewerDraft(draft.saved_at, draft.word_count)
