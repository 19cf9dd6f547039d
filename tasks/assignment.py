"""Assignment: the organisation of the case's current rung and its best-placed mediator."""

from __future__ import annotations

from typing import Any

from prefect import task

from fengqiao.db import cases as case_store
from fengqiao.models import steps
from fengqiao.models.case import StepKind
from fengqiao.services.runtime import now
from fengqiao.services.steps import apply_step
from fengqiao.tasks.withheld import withheld


@task(name="assignment", task_run_name="assignment-{case_id}")
@withheld
def assign_mediator(case_id: int, flow_run_id: str | None = None) -> dict[str, Any]:
    def decide(ctx):  # type: ignore[no-untyped-def]
        load = case_store.open_cases_by_mediator(ctx.conn)
        parties = case_store.parties_of_case(ctx.conn, ctx.case.id)
        return steps.assign(ctx.case, ctx.network, ctx.path, parties=parties, open_cases=load, at=now())

    return apply_step(case_id, StepKind.ASSIGN, decide, flow_run_id=flow_run_id)
