"""Triage: dispute type, risk, suitability, starting rung; and a case unsuitable for mediation leaves at once."""

from __future__ import annotations

from typing import Any

from prefect import task

from fengqiao.models import steps
from fengqiao.models.case import StepKind
from fengqiao.models.triage import triage
from fengqiao.services.runtime import now
from fengqiao.services.steps import apply_step, reload_case
from fengqiao.tasks.monitor import retag_flow_run
from fengqiao.tasks.withheld import withheld


@task(name="triage", task_run_name="triage-{case_id}")
@withheld
def triage_case(case_id: int, flow_run_id: str | None = None) -> dict[str, Any]:
    def decide(ctx):  # type: ignore[no-untyped-def]
        decision = triage(
            ctx.rules,
            ctx.network.paths,
            declared_type=ctx.case.declared_type,
            summary=ctx.case.summary,
            people_involved=ctx.case.people_involved,
            reported_risk=ctx.case.risk,
        )
        return steps.apply_triage(ctx.case, decision, at=now())

    step = apply_step(case_id, StepKind.TRIAGE, decide, flow_run_id=flow_run_id)
    retag_flow_run(reload_case(case_id), flow_run_id=flow_run_id)
    return step
