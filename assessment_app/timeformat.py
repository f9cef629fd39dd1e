"""Showing instants to people: London time, GOV.UK style ("11:59pm on Tuesday 1 December 2026")."""

from datetime import datetime, timedelta

from .clock import to_london
from .deadlines import last_minute


def london_time(instant: datetime) -> str:
    local = to_london(instant)
    hour = local.hour % 12 or 12
    if local.hour == 12 and local.minute == 0:
        clock = "midday"
    elif local.hour == 0 and local.minute == 0:
        clock = "midnight"
    else:
        clock = f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    return f"{clock} on {local:%A} {local.day} {local:%B %Y}"


def iso_london(instant: datetime) -> str:
    """An instant for exports: ISO 8601 in London time with its offset, to the second
    ("2026-11-20T23:59:59+00:00", "2026-06-20T23:59:59+01:00")."""
    return to_london(instant).isoformat(timespec="seconds")


def deadline_text(closes_at: datetime) -> str:
    """A deadline as people read it: the last minute in which a submission is in time."""
    return london_time(last_minute(closes_at))


def time_left(closes_at: datetime, at: datetime) -> str:
    """ "2 days, 5 hours and 3 minutes", or "" once the deadline has passed."""
    remaining = closes_at - at
    if remaining <= timedelta(0):
        return ""
    minutes = int(remaining.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if n
    ] or ["less than a minute"]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """“1 participant”, “1,500 words”: never “participant(s)”; `nouns` for an irregular plural
    (“2 people”)."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"
