"""Closing the loop: archive a resolved or withdrawn case, or a handed-off one once its result is back."""

from __future__ import annotations

from typing import Any

from prefect import task

from fengqiao.models import steps
from fengqiao.models.case import HANDOFF_ROUND, StepKind
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.result_back import queue_result
from fengqiao.services.runtime import now
from fengqiao.services.steps import apply_step
from fengqiao.tasks.withheld import withheld


@task(name="closing", task_run_name="closing-{case_id}")
@withheld
def close_case(case_id: int, flow_run_id: str | None = None) -> dict[str, Any]:
    def decide(ctx):  # type: ignore[no-untyped-def]
        result = ctx.inputs.get((InputKind.HANDOFF_RESULT, HANDOFF_ROUND))
        return steps.close(ctx.case, result, at=now())

    return apply_step(case_id, StepKind.CLOSE, decide, flow_run_id=flow_run_id, also=queue_result)
