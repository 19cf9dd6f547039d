"""Each mediating case's deadline, kept on its row so boards and counts find overdue cases by index."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fengqiao.config.calendar import is_workday
from fengqiao.db import cases as case_store
from fengqiao.db import queries, stats
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.case import Case
from fengqiao.models.clock_at import clock_on_rung, due_at, end_of_day, point_in_time
from fengqiao.models.clocks import Clock
from fengqiao.models.network import EscalationPath
from fengqiao.models.vocabulary import Status
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine


def clock_for(conn: Connection, case: Case) -> Clock | None:
    network, _ = configuration(conn, case.config_version)
    path = network.path_if_known(case.dispute_type)
    if case.status is not Status.MEDIATING or path is None or case.path_step < 0:
        return None
    return clock_on_rung(path, case.path_step, queries.timeline(conn, case.id), is_workday=is_workday)


def keep_due_date(conn: Connection, before: Case, after: Case) -> date | None:
    """After a move (same transaction): the attempt's due day, None when no clock runs (paused, not mediating)."""
    if before.status is not Status.MEDIATING and after.status is not Status.MEDIATING:
        return None
    clock = clock_for(conn, after)
    due = clock.due if clock else None
    case_store.set_due_on(conn, after.id, due)
    return due


def refresh_due_dates(dues: dict[int, date | None]) -> int:
    """The daily sweep's clocks written back where the kept due day differs, in one transaction."""
    with UnitOfWork(engine()) as uow:
        changed = case_store.set_due_dates(uow.conn, dues)
        uow.commit()
    return changed


def overdue_at(conn: Connection, where: queries.CaseFilter, day: date, *, today: date) -> tuple[int, int]:
    """(超期 overdue, 临期 due soon) of the cases where asks for, as of the end of day (China time): today's
    from the kept due days; a past day's from each case's timeline up to it, so later moves change nothing."""
    if day >= today:
        return stats.overdue_counts(conn, where, today=today)
    found = stats.mediating_at(conn, where, end_of_day(day))
    rows = queries.timelines(conn, [case_id for case_id, _, _ in found])

    def paths(dispute_type: str | None) -> Callable[[int], EscalationPath | None]:
        return lambda version: configuration(conn, version)[0].path_if_known(dispute_type)

    dues = (
        due_at(rows[case_id], day, version_now=version, paths=paths(kind), is_workday=is_workday)
        for case_id, kind, version in found
    )
    return point_in_time(dues, day)
