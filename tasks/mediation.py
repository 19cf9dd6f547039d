"""A mediation attempt's outcome (resolved, escalated, or handed off), and a party leaving at any time."""

from __future__ import annotations

from typing import Any

from prefect import task

from fengqiao.models import steps
from fengqiao.models.case import EXIT_ROUND, StepKind
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.runtime import now
from fengqiao.services.steps import apply_step
from fengqiao.tasks.withheld import withheld


@task(name="mediation-outcome", task_run_name="mediation-outcome-{case_id}")
@withheld
def apply_mediation_outcome(case_id: int, flow_run_id: str | None = None) -> dict[str, Any]:
    def decide(ctx):  # type: ignore[no-untyped-def]
        outcome = ctx.inputs[(InputKind.OUTCOME, ctx.case.attempt)]
        return steps.apply_outcome(ctx.case, outcome, ctx.network, ctx.path, at=now())

    return apply_step(case_id, StepKind.APPLY_OUTCOME, decide, flow_run_id=flow_run_id)


@task(name="withdrawal-or-refusal", task_run_name="exit-{case_id}")
@withheld
def apply_exit(case_id: int, flow_run_id: str | None = None) -> dict[str, Any]:
    def decide(ctx):  # type: ignore[no-untyped-def]
        return steps.apply_exit(ctx.case, ctx.inputs[(InputKind.EXIT, EXIT_ROUND)], ctx.path, at=now())

    return apply_step(case_id, StepKind.APPLY_EXIT, decide, flow_run_id=flow_run_id)
