"""The flow benchmarks/prefect_floor.py runs: a case's minimal shape in Prefect, nothing of fengqiao's.

`floor_flow(tasks, suspends)` has suspends + 1 executions: each runs its share of the trivial task
runs, and each but the last then suspends (as a case suspends for a person's answer). Which
execution it is comes from the suspend keys Prefect keeps on the run.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run

SUSPEND_TIMEOUT = 24 * 3600


@task(name="floor-step", persist_result=False)
def floor_step(i: int) -> int:
    return i


@flow(name="floor-case", persist_result=False)
def floor_flow(tasks: int, suspends: int = 1) -> int:
    ctx = FlowRunContext.get()
    assert ctx is not None and ctx.flow_run is not None
    k = len(ctx.flow_run.empirical_policy.pause_keys or ())
    share = range(tasks * k // (suspends + 1), tasks * (k + 1) // (suspends + 1))
    total = sum(floor_step(i) for i in share)
    if k < suspends:
        suspend_flow_run(timeout=SUSPEND_TIMEOUT, key=f"answer-{k}")
    return total
