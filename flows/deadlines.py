"""The daily deadline sweep: warn before a rung's deadline, and move overdue cases on as the path says.

A Prefect flow run by the workers on a schedule (08:00 China time, runs/deployments.py) and runnable once with
`fengqiao deadlines --run`. It decides nothing itself: the clocks come from the timeline, an
overdue attempt is stored as failed with reason `deadline`, and the case's own flow escalates it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, task
from prefect.runtime import flow_run

from fengqiao.config.logging import get_logger
from fengqiao.config.prefect_env import prefect_reachable
from fengqiao.models.clocks import CST
from fengqiao.runs.launch import try_wake
from fengqiao.services.clocks import Due, deadlines, escalate_overdue
from fengqiao.services.due_dates import refresh_due_dates
from fengqiao.services.follow_up import visits_due
from fengqiao.services.runtime import now
from fengqiao.tasks.withheld import withheld

WARN_DAYS = 3
log = get_logger(component="deadlines")


def _today() -> date:
    return now().astimezone(CST).date()


def _run_name() -> str:
    """A run of the sweep is named for the day it sweeps (deadline-sweep-2026-12-02), not at random."""
    return f"deadline-sweep-{flow_run.parameters.get('today') or _today()}"


@task(name="warn-deadline", task_run_name="warn-{due.case_no}")
@withheld
def warn(due: Due) -> None:
    log.warning("case.deadline.near", case_no=due.case_no, days_left=due.days_left, due=str(due.clock.due))
    if prefect_reachable():
        from prefect.events import emit_event

        emit_event(
            event="fengqiao.case.deadline_near",
            resource={"prefect.resource.id": f"fengqiao.case.{due.case_no}", "prefect.resource.name": due.case_no},
            payload={"days_left": due.days_left, "due": str(due.clock.due), "org": due.org},
        )


@task(name="escalate-overdue", task_run_name="overdue-{due.case_no}")
@withheld
def overdue(due: Due) -> str:
    if not escalate_overdue(due):
        return "answered already"
    log.warning("case.deadline.passed", case_no=due.case_no, days_left=due.days_left, due=str(due.clock.due))
    return try_wake(due.case_id)


@flow(name="deadline-sweep", flow_run_name=_run_name, log_prints=False, persist_result=False)
@withheld
def deadline_sweep(today: date | None = None) -> dict[str, Any]:
    day = today or _today()
    found = deadlines(day)
    corrected = refresh_due_dates({d.case_id: d.clock.due for d in found})
    if corrected:
        log.info("case.due_dates.corrected", cases=corrected)
    late = [d for d in found if d.days_left is not None and d.days_left < 0]
    near = [d for d in found if d.days_left is not None and 0 <= d.days_left <= WARN_DAYS]
    for d in near:
        warn(d)
    woken = {d.case_no: overdue(d) for d in late}
    visits = [case_no for case_no, _ in visits_due(day)]
    if visits:
        log.info("case.follow_up.due", cases=len(visits))
    return {
        "day": str(day),
        "clocks": len(found),
        "near": [d.case_no for d in near],
        "overdue": woken,
        "follow_up_due": visits,
    }
