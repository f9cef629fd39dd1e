"""Working days in England and Wales: Monday to Friday, bank holidays excluded.

Bank holidays are worked out by rule for any year by the `holidays` package (England's
calendar, which is also Wales's): New Year's Day, Good Friday, Easter Monday, the early May,
spring and summer bank holidays, Christmas Day and Boxing Day, each with its substitute
Monday or Tuesday when it falls at a weekend, and the one-off days the package knows of (such
as the coronation in 2023). Never a network call, and no list that runs out: a review period
in 2035 skips Easter as one in 2026 does. Only days Monday to Friday are kept, so the set is
GOV.UK's list of bank holidays (a Christmas Day on a Saturday is not one; its substitute is).
"""

from collections.abc import Container, Iterable
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays as holiday_rules


@lru_cache(maxsize=64)
def bank_holidays_in(year: int) -> frozenset[date]:
    """The bank holidays in England and Wales in one year."""
    days = holiday_rules.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(day for day in days if day.weekday() < 5)


class EnglandAndWalesBankHolidays(Container[date]):
    """Every bank holiday in England and Wales, of any year: a day is looked up in its year."""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in bank_holidays_in(day.year)

    def __ge__(self, days: Iterable[date]) -> bool:
        """`{...} <= bank_holidays()`: every one of those days is a bank holiday."""
        return all(day in self for day in days)

    def __repr__(self) -> str:
        return "<bank holidays in England and Wales>"


@cache
def bank_holidays() -> EnglandAndWalesBankHolidays:
    """Bank holidays in England and Wales, of any year."""
    return EnglandAndWalesBankHolidays()


def is_working_day(day: date, holidays: Container[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Container[date]) -> date:
    """The day that is `days` working days after `start` (start itself not counted)."""
    if days < 1:
        raise ValueError("count at least one working day")
    day = start
    while days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            days -= 1
    return day
