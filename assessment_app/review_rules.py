"""Reviews of marking: when a participant may ask for one, and what a finished review decides.

After a window's results are released, a participant may ask once per attempt for a review of
the marking, giving grounds, within the window's review period: that many working days in
England and Wales after the London day the results came out, to 23:59 London time on the last
day. The reviewer marks the script afresh and blind; the rubric's rule turns their levels
into an outcome, and REVIEW_RULES says what happens next.
"""

from collections.abc import Container
from datetime import date, datetime, time

from .attempt_outcome import Rule
from .attempts import AttemptOutcome
from .clock import to_london
from .deadlines import deadline_closes_at
from .timeformat import deadline_text
from .working_days import add_working_days

DEFAULT_REVIEW_PERIOD_DAYS = 10
REVIEW_DEADLINE_TIME = time(23, 59)
REVIEWABLE = frozenset({AttemptOutcome.PASSED, AttemptOutcome.FAILED})

# Shown to the admin deciding a request and to the reviewer; the outcome rule applies them
# (attempt_outcome.py: the latest completed review decides among the marks).
REVIEW_RULES = (
    ("The reviewer did not mark this script before, shares no delivery partner or school with "
     "the participant, and does not see the earlier marks."),
    ("They judge every criterion afresh; the rubric's pass rule turns their levels into pass or "
     "fail, and they give the reason for their judgement."),
    "If that outcome is the recorded one, the outcome is kept.",
    ("If it differs, the outcome is changed to the reviewer's, with their reason, dated the day "
     "the review is submitted: it replaces the result the participant sees, the DfE return shows "
     "it as an amendment, and the participant is emailed."),
)


class ReviewRefused(Exception):
    """A review action that cannot be done; the message says why."""


def request_closes_at(results_at: datetime, period_days: int,
                      holidays: Container[date]) -> datetime:
    """The first instant too late to ask: the end of 23:59 on the last working day of the
    period, counted from the day after the London day results were released."""
    last_day = add_working_days(to_london(results_at).date(), period_days, holidays)
    return deadline_closes_at(last_day, REVIEW_DEADLINE_TIME)


def request_problem(outcome: str | None, rule: str | None, results_at: datetime | None,
                    closes_at: datetime | None, already_asked: bool, at: datetime) -> str | None:
    """Why this attempt's review cannot be asked for now, or None if it can."""
    if outcome is None or AttemptOutcome(outcome) not in REVIEWABLE or results_at is None:
        return "A review can only be asked for once the result of this attempt has been released."
    if rule == Rule.MISCONDUCT:
        return ("This attempt was failed for academic misconduct, not on its marks, so a review "
                "of marking cannot change it. You can appeal against the misconduct decision.")
    if already_asked:
        return ("You have already asked for a review of this attempt. Only one review can be "
                "asked for per attempt.")
    if closes_at is not None and at >= closes_at:
        return (f"The time to ask for a review of this attempt ended at {deadline_text(closes_at)}, "
                "so a review can no longer be asked for.")
    return None
