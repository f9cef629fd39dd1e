"""When a participant may be entered for a window (no Flask): its deadline, and the three-month
rule (domain.md, "One participant, one truth": Entry).

- Never into a window whose deadline has passed: from window.closes_at (the first instant too
  late to submit) on, entry is refused.
- Within LATE_ENTRY_HOURS before the deadline (from closes_at less 48 hours, to the second), only
  once the admin confirms: whoever is entered then has less than two days to read the case study
  and write.
- The three-month rule (programme_dates.py) applies to a first attempt only: a resit, after a
  counted attempt at the NPQ, is expected to come later.
"""

from datetime import datetime, timedelta
from enum import StrEnum

from .timeformat import deadline_text, time_left

LATE_ENTRY_HOURS = 48
# What the admin's confirmation of a late entry is sent as, with the deadline it was shown.
_LATE_ENTRY_KEY = "deadline:"


class EntryTiming(StrEnum):
    OPEN = "open"
    NEEDS_CONFIRMING = "needs_confirming"  # within 48 hours of the deadline
    CLOSED = "closed"  # the deadline has passed


def entry_timing(closes_at: datetime, at: datetime) -> EntryTiming:
    if at >= closes_at:
        return EntryTiming.CLOSED
    if at >= closes_at - timedelta(hours=LATE_ENTRY_HOURS):
        return EntryTiming.NEEDS_CONFIRMING
    return EntryTiming.OPEN


def closed_message(window_name: str, closes_at: datetime) -> str:
    return (f"Nobody was entered. The deadline of {window_name} was {deadline_text(closes_at)}, "
            "so nobody can be entered for it now: enter them for a later window.")


def late_entry_warning(window_name: str, closes_at: datetime, at: datetime) -> str:
    return (f"The deadline of {window_name} is {deadline_text(closes_at)}, less than "
            f"{LATE_ENTRY_HOURS} hours away ({time_left(closes_at, at)} left): anyone entered now "
            "has only that long to read the case study and submit their response.")


def late_entry_key(closes_at: datetime) -> str:
    """The confirmation of a late entry names the deadline it was given for, so it does not
    carry over to another one."""
    return f"{_LATE_ENTRY_KEY}{closes_at.isoformat()}"


def is_late_entry_key(key: str) -> bool:
    return key.startswith(_LATE_ENTRY_KEY)


def three_month_rule_applies(counted_attempts: int) -> bool:
    """Only a first attempt is held to the programme's dates."""
    return counted_attempts == 0
