"""Access arrangements: a standing number of extra days, applied to every window entered.

A participant's arrangement becomes an extension in each window they enter, counted in London
days from the window's deadline day and capped at the window's limit (entry_deadlines.py), so
it needs no extenuating circumstances claim each time.
"""

MAX_EXTRA_DAYS = 28


def capped(extra_days: int, max_extension_days: int) -> bool:
    """Whether the window's limit gives fewer days than the arrangement asks for."""
    return extra_days > max_extension_days
