"""A participant's own deadline for an entry: one rule, from every fact that moves it.

The deadline is the latest of: the window's deadline; the window's deadline plus the
participant's access arrangement (capped at the window's extension limit); and each extension
still in force, whichever route granted it (individual, group, EC). So an extension never moves
a deadline earlier. Days are London calendar days: an extension or arrangement ends at the
window's deadline time on its day, whatever clock change lies between.

Every route that changes a fact asks `entry_closes_at` for the result; the entry's stored
deadline (Entry.extended_closes_at, which the submit path reads in SQL) is only ever that
result (`stored_deadline`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .deadlines import deadline_closes_at, deadline_day, latest_extension
from .timeformat import deadline_text


@dataclass(frozen=True)
class WindowTerms:
    """What a window says about deadlines: its own, its deadline time and extension limit."""

    closes_at: datetime
    deadline_time: time
    max_extension_days: int

    @property
    def latest(self) -> datetime:
        """The latest personal deadline any extension or arrangement may give."""
        return latest_extension(self.closes_at, self.deadline_time, self.max_extension_days)

    def on_day(self, day: date) -> datetime:
        """The first late instant of a deadline on this London day, at the window's time."""
        return deadline_closes_at(day, self.deadline_time)


@dataclass(frozen=True)
class Granted:
    """An extension in force: a fixed personal deadline, or an access arrangement's extra days
    (counted from the window's deadline day, so it follows the window if that moves)."""

    closes_at: datetime | None = None
    extra_days: int | None = None


def arrangement_closes_at(window: WindowTerms, extra_days: int) -> datetime | None:
    """An arrangement's deadline: that many London days after the window's deadline day, capped
    at the window's limit (also in London days); None if the window allows no extension."""
    days = min(extra_days, window.max_extension_days)
    if days < 1:
        return None
    return window.on_day(deadline_day(window.closes_at) + timedelta(days=days))


def granted_closes_at(window: WindowTerms, granted: Granted) -> datetime | None:
    if granted.extra_days is not None:
        return arrangement_closes_at(window, granted.extra_days)
    return granted.closes_at


def entry_closes_at(window: WindowTerms, granted: Iterable[Granted]) -> datetime:
    """The participant's own deadline (its first late instant): the latest of them all."""
    instants = [granted_closes_at(window, g) for g in granted]
    return max([window.closes_at, *(i for i in instants if i is not None)])


def stored_deadline(window: WindowTerms, granted: Iterable[Granted]) -> datetime | None:
    """What Entry.extended_closes_at holds: the personal deadline, or None for the window's."""
    closes_at = entry_closes_at(window, granted)
    return None if closes_at == window.closes_at else closes_at


def extension_problem(window: WindowTerms, closes_at: datetime) -> str | None:
    """Why an extension to this deadline cannot be granted in this window, or None."""
    if closes_at <= window.closes_at:
        return (f"An extension must end after the window's deadline, "
                f"{deadline_text(window.closes_at)}.")
    if closes_at > window.latest:
        return (f"Extensions for this window can run to {deadline_text(window.latest)} at the "
                f"latest ({window.max_extension_days} days).")
    return None


def helps(current: datetime, proposed: datetime) -> bool:
    """Whether an extension to `proposed` gives more time than the deadline someone has."""
    return proposed > current


def withdrawal_problem(after: datetime, now: datetime) -> str | None:
    """Why an extension cannot be taken back now: the deadline it leaves must still be ahead."""
    if after <= now:
        return (f"Without this extension the deadline would be {deadline_text(after)}, which "
                "has passed: an extension can only be taken back while the deadline it leaves "
                "is still ahead.")
    return None
