"""Working days in England and Wales: Monday to Friday, bank holidays excluded.

Bank holidays come from the list shipped inside the govuk-bank-holidays package (GOV.UK's
own data, cached in the package), read once per process: never a network call. The list
runs a year or two ahead of each release; keep the package up to date.
"""

from collections.abc import Collection
from datetime import date, timedelta
from functools import cache

from govuk_bank_holidays.bank_holidays import BankHolidays


@cache
def bank_holidays() -> frozenset[date]:
    """Bank holidays in England and Wales, from the package's shipped list."""
    holidays = BankHolidays(use_cached_holidays=True).get_holidays(
        division=BankHolidays.ENGLAND_AND_WALES)
    return frozenset(h["date"] for h in holidays)


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date]) -> date:
    """The day that is `days` working days after `start` (start itself not counted)."""
    if days < 1:
        raise ValueError("count at least one working day")
    day = start
    while days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            days -= 1
    return day
