"""How a moderation pack's build is told to the admin: counts, time left, file size. No Flask."""

from datetime import datetime


def scripts_text(done: int, total: int) -> str:
    """ "4,200 of 20,000 scripts" (the progress bar's text equivalent)."""
    return f"{done:,} of {total:,} script{'' if total == 1 else 's'}"


def percent(done: int, total: int) -> int:
    return min(100, done * 100 // total) if total else 0


def seconds_left(done: int, total: int, started_at: datetime | None, at: datetime) -> int | None:
    """The time the rest will take at the pace so far, or None until there is a pace to go by
    (nothing written yet, or the count still unknown)."""
    if started_at is None or not total or done <= 0:
        return None
    elapsed = (at - started_at).total_seconds()
    return max(0, round(elapsed * (total - done) / done))


def time_left_text(seconds: int | None) -> str:
    """ "About 40 seconds left", "About 3 minutes left"; while unknown, "Working out how long
    is left"."""
    if seconds is None:
        return "Working out how long is left"
    if seconds < 10:
        return "Less than 10 seconds left"
    if seconds < 90:
        return f"About {round(seconds, -1)} seconds left"
    minutes = round(seconds / 60)
    return f"About {minutes} minutes left"


def size_text(size: int) -> str:
    """A file's size as people read it: "812 KB", "59.8 MB" (decimal units, as browsers show)."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    return f"{size / 1_000_000:.1f} MB"
