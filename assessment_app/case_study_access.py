"""Who may read a case study, and write a response to it, at an instant: one rule, which the
pages apply in Python and the autosave statement applies in SQL
(services/submissions._guarded_draft_upsert); tests hold the two equal on every combination.
"""

from datetime import datetime

from .attempts import AttemptOutcome
from .deadlines import is_released


def case_study_out(entered: bool, outcome: str | None, paper_id: int | None,
                   release_at: datetime, now: datetime) -> bool:
    """The participant may read the case study: a paper is attached, they are entered, the
    attempt was not deferred to a later window (where they will meet another paper), and the
    window has released it."""
    return (paper_id is not None and entered and outcome != AttemptOutcome.DEFERRED
            and is_released(release_at, now))


def may_write(entered: bool, outcome: str | None, paper_id: int | None, release_at: datetime,
              now: datetime) -> bool:
    """The participant may write to the attempt: its case study is out and it is still running."""
    return outcome is None and case_study_out(entered, outcome, paper_id, release_at, now)
