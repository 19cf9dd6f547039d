"""Each mediating case's deadline, kept on its row so boards and counts find overdue cases by index."""

from __future__ import annotations

from datetime import date

from fengqiao.config.calendar import is_workday
from fengqiao.db import cases as case_store
from fengqiao.db import queries
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models import clocks
from fengqiao.models.case import Case
from fengqiao.models.clocks import Clock
from fengqiao.models.vocabulary import Status
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine


def clock_for(conn: Connection, case: Case) -> Clock | None:
    network, _ = configuration(conn, case.config_version)
    path = network.path_if_known(case.dispute_type)
    if case.status is not Status.MEDIATING or path is None or case.path_step < 0:
        return None
    step = path.steps[case.path_step]
    return clocks.clock_of(
        queries.timeline(conn, case.id), limit=step.deadline_days, working=step.working_days, is_workday=is_workday
    )


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
