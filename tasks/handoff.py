"""Handoff to the legal track of a case triage found not suitable for mediation."""

from __future__ import annotations

from typing import Any

from prefect import task

from fengqiao.models import steps
from fengqiao.models.case import StepKind
from fengqiao.services.runtime import now
from fengqiao.services.steps import apply_step
from fengqiao.tasks.withheld import withheld


@task(name="handoff", task_run_name="handoff-{case_id}")
@withheld
def hand_off_unsuitable(case_id: int, flow_run_id: str | None = None) -> dict[str, Any]:
    def decide(ctx):  # type: ignore[no-untyped-def]
        return steps.hand_off_unsuitable(ctx.case, at=now())

    return apply_step(case_id, StepKind.HAND_OFF_UNSUITABLE, decide, flow_run_id=flow_run_id)
