"""The application's one clock and its time zone.

Everything asks `now()` for the current instant (aware, UTC); tests freeze it with
time-machine. Wall-clock times are London's, converted with zoneinfo so clock changes
are handled by the tz database, never by fixed offsets.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def to_london(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: instants must be timezone-aware")
    return instant.astimezone(LONDON)
