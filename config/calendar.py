"""China's official working-day calendar (holidays and make-up workdays), from the chinesecalendar package.

The package is updated each year once the State Council publishes the next year's holidays.
For a year it does not know yet, weekdays are counted as working days and a warning is logged
once, so a deadline far ahead is an estimate until the package is upgraded.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _unknown_year(day.year)
        return day.weekday() < 5


@lru_cache(maxsize=32)
def _unknown_year(year: int) -> None:
    from fengqiao.config.logging import get_logger  # structlog (and the rich it loads) only when there is a warning

    get_logger(component="calendar").warning("calendar.year_unknown", year=year, counted_as="weekdays")
