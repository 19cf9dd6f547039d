"""A month as people ask for figures, statements and rankings: YYYY-MM, checked alike everywhere."""

from __future__ import annotations

import re

from fengqiao.models.errors import InvalidInput

MONTH_PATTERN = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])$"  # 1900-01 to 2199-12, ASCII digits (`\d` takes ٢)
MONTH = re.compile(MONTH_PATTERN)


def month_of(text: str, field: str = "month") -> str:
    """text when it is such a month (fullmatch: match() would take a trailing newline), else
    InvalidInput naming the field, Chinese first."""
    if not MONTH.fullmatch(text):
        raise InvalidInput(
            f"{text!r} 不是月份 is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10", field=field
        )
    return text
