"""The "assessment within three months of completing the programme" rule (UCL and others).

Plain dates, no Flask: an admin is warned, not stopped, when a window falls outside it.
"""

import calendar
from datetime import date

ASSESSMENT_PERIOD_MONTHS = 3


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (or earlier), kept inside a shorter month."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def outside_assessment_period(programme_end: date | None, first_day: date, last_day: date) -> bool:
    """True when a window (first to last day) is not within three months of the programme's end,
    either side of it. Unknown end dates give no warning."""
    if programme_end is None:
        return False
    return (last_day > add_months(programme_end, ASSESSMENT_PERIOD_MONTHS)
            or first_day < add_months(programme_end, -ASSESSMENT_PERIOD_MONTHS))
