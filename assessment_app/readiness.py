"""What /readyz calls ready: the rules, apart from how the facts are read (no Flask)."""

from datetime import datetime, timedelta

# The leader writes its heartbeat every minute: two minutes allows one late or missed tick.
LEADER_SILENCE = timedelta(minutes=2)


def leader_seen(last_seen: datetime | None, now: datetime) -> bool:
    """True if the scheduler leader ticked within LEADER_SILENCE of now (exactly then counts)."""
    return last_seen is not None and now - last_seen <= LEADER_SILENCE


def migrations_at_head(in_database: list[str], in_code: list[str]) -> bool:
    """True if the database is stamped with exactly the migration heads this code ships."""
    return bool(in_code) and sorted(in_database) == sorted(in_code)
