"""When a case study is released and until when a response is in time.

Plain rules with the clock passed in, so they are decided on every request from the
current instant and never depend on a scheduled job having run.

Wall-clock definitions (a day and a London time) are turned into UTC instants here.
A deadline is stored as the first instant that is late (`closes_at`): a deadline of
"23:59 on day 8" means submissions up to 23:59:59.999 are in time and 00:00:00 on
day 9 is late.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from .clock import LONDON

DEFAULT_LENGTH_DAYS = 8
DEFAULT_RELEASE_TIME = time(0, 1)
DEFAULT_DEADLINE_TIME = time(23, 59)
_MINUTE = timedelta(minutes=1)


class WindowState(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class WindowInstants:
    release_at: datetime
    closes_at: datetime


def london_instant(day: date, wall_time: time) -> datetime:
    """The UTC instant of a London wall-clock minute (the earlier one if the clock repeats it)."""
    return datetime.combine(day, wall_time, tzinfo=LONDON).astimezone(UTC)


def window_instants(
    first_day: date,
    length_days: int = DEFAULT_LENGTH_DAYS,
    release_time: time = DEFAULT_RELEASE_TIME,
    deadline_time: time = DEFAULT_DEADLINE_TIME,
) -> WindowInstants:
    """Release on day 1 at `release_time`; close at the end of minute `deadline_time` on the last day.

    Each instant is computed from its own London date, so a window that crosses a clock
    change keeps its wall-clock times.
    """
    if length_days < 1:
        raise ValueError("a window lasts at least one day")
    last_day = first_day + timedelta(days=length_days - 1)
    return WindowInstants(
        release_at=london_instant(first_day, release_time),
        closes_at=deadline_closes_at(last_day, deadline_time),
    )


def deadline_closes_at(day: date, deadline_time: time) -> datetime:
    """The first late instant for a deadline given as a London day and last minute."""
    # Add the minute in UTC: wall-clock addition would misplace it across a clock change.
    return london_instant(day, deadline_time) + _MINUTE


def last_minute(closes_at: datetime) -> datetime:
    """The deadline as shown to people: the last minute in which a submission is in time."""
    return closes_at - _MINUTE


def deadline_day(closes_at: datetime) -> date:
    """The London day a deadline ends on (its last minute's day; closes_at is the next day's
    first instant): what forms show, and the last day whose figures count."""
    return last_minute(closes_at).astimezone(LONDON).date()


def latest_extension(window_closes_at: datetime, deadline_time: time, max_days: int) -> datetime:
    """The latest personal deadline an extension may give: the window's deadline time, `max_days`
    London days after the window's deadline day. Counted in wall-clock days, not 24-hour spans,
    so a limit that crosses a clock change still ends at the deadline time."""
    return deadline_closes_at(deadline_day(window_closes_at) + timedelta(days=max_days),
                              deadline_time)


def is_released(release_at: datetime, now: datetime) -> bool:
    return now >= release_at


def is_in_time(closes_at: datetime, now: datetime) -> bool:
    return now < closes_at


def window_state(instants: WindowInstants, now: datetime) -> WindowState:
    if not is_released(instants.release_at, now):
        return WindowState.SCHEDULED
    if is_in_time(instants.closes_at, now):
        return WindowState.OPEN
    return WindowState.CLOSED


def personal_closes_at(window_closes_at: datetime, extended_closes_at: datetime | None) -> datetime:
    """A participant's own deadline: an extension can only move it later, never earlier."""
    if extended_closes_at is None:
        return window_closes_at
    return max(window_closes_at, extended_closes_at)
