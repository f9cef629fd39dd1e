"""Access arrangements: a standing number of extra days, applied to every window entered.

A participant's arrangement becomes a personal deadline in each window: the window's deadline
time, that many London days after the window's last day, never beyond the window's extension
limit. It is the same kind of personal deadline an extension gives (deadlines.py enforces
both), so it needs no extenuating circumstances claim each time.
"""

from datetime import datetime, time, timedelta

from .deadlines import deadline_closes_at, deadline_day

MAX_EXTRA_DAYS = 28


def arrangement_closes_at(window_closes_at: datetime, deadline_time: time, extra_days: int,
                          max_extension_days: int) -> datetime | None:
    """The personal deadline an arrangement gives in a window (its first late instant), or
    None if the window allows no extension at all."""
    days = min(extra_days, max_extension_days)
    if days < 1:
        return None
    wanted = deadline_closes_at(deadline_day(window_closes_at) + timedelta(days=days),
                                deadline_time)
    # The same limit extensions meet (services.eligibility.extension_closes_at).
    return min(wanted, window_closes_at + timedelta(days=max_extension_days))


def capped(extra_days: int, max_extension_days: int) -> bool:
    """Whether the window's limit gives fewer days than the arrangement asks for."""
    return extra_days > max_extension_days
