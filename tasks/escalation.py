"""Escalation to a panel: the expert pool's opinion is recorded before the panel mediates."""

from __future__ import annotations

from typing import Any

from prefect import task

from fengqiao.models import steps
from fengqiao.models.case import StepKind
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.runtime import now
from fengqiao.services.steps import apply_step
from fengqiao.tasks.withheld import withheld


@task(name="expert-opinion", task_run_name="expert-opinion-{case_id}")
@withheld
def record_expert_opinion(case_id: int, flow_run_id: str | None = None) -> dict[str, Any]:
    def decide(ctx):  # type: ignore[no-untyped-def]
        opinion = ctx.inputs[(InputKind.EXPERT_OPINION, ctx.case.attempt + 1)]
        return steps.record_opinion(ctx.case, opinion, at=now())

    return apply_step(case_id, StepKind.RECORD_OPINION, decide, flow_run_id=flow_run_id)
