"""Times as people read them: China Standard Time (Asia/Shanghai, UTC+8, no daylight saving), labelled.

Times are stored in UTC. Every time a person reads (the dashboard, the monthly report, the command
line) goes through `shown`, so none is ever shown in UTC or without its zone. Machines (the API, the
command line's --json) get ISO 8601 with the offset, as stored.
"""

from __future__ import annotations

from datetime import datetime

from fengqiao.models.clocks import CST

ZONE = "CST (UTC+8)"  # 北京时间; beside every time shown, and in the headings above columns of them


def shown(at: datetime | None, *, empty: str = "—") -> str:
    """'2026-12-02 20:15 CST (UTC+8)'; empty for a time not set. A time without a zone is refused:
    which instant it means cannot be known."""
    if at is None:
        return empty
    if at.tzinfo is None:
        raise ValueError(f"a time without its zone cannot be shown: {at.isoformat()}")
    return f"{at.astimezone(CST):%Y-%m-%d %H:%M} {ZONE}"
