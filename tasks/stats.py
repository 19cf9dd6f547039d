"""The figures a coordination centre reports, for the API's /stats and `fengqiao stats` alike."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from db import queries, stats
from db.uow import UnitOfWork
from models.clocks import CST
from tasks.clocks import deadlines
from tasks.context import engine


def period(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """China-time days [since, until] as instants: from the start of `since` to the end of `until`."""
    start = datetime.combine(since, time.min, tzinfo=CST) if since else None
    end = datetime.combine(until, time.max, tzinfo=CST) if until else None
    return start, end


def figures(where: queries.CaseFilter, *, today: date) -> dict[str, Any]:
    """Counts by status, type, channel, level, district and outcome; success rate; cases overdue today."""
    with UnitOfWork(engine()) as uow:
        counts = stats.case_counts(uow.conn, where)
        mediating = stats.mediating_case_ids(uow.conn, where)
    overdue = sum(1 for d in deadlines(today) if d.case_id in mediating and (d.days_left or 0) < 0)
    return counts | {"overdue": overdue}
