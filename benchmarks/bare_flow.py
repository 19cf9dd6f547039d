"""Bare Prefect with a case flow's shape, served by Prefect's own `serve()` (a process per execution).

benchmarks/pipeline.py runs this module as the baseline: `bare_case(rounds)` runs rounds[k] trivial
tasks in its k-th execution and suspends after every round but the last, as a case flow suspends
for each person's answer; the driver resumes it at once. The round comes from the suspend keys the
run has used (Prefect keeps them on the run), so a resumed execution runs only its own tasks.

    python benchmarks/bare_flow.py LIMIT    # serve the deployment bare-case/bare, LIMIT runs at once
"""

from __future__ import annotations

import sys

from prefect import flow, task
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run

DEPLOYMENT = "bare-case/bare"


@task(name="bare-step", persist_result=False)
def bare_step(i: int) -> int:
    return i


@flow(name="bare-case", persist_result=False)
def bare_case(rounds: list[int]) -> int:
    ctx = FlowRunContext.get()
    assert ctx is not None and ctx.flow_run is not None
    k = min(len(ctx.flow_run.empirical_policy.pause_keys or ()), len(rounds) - 1)
    total = sum(bare_step(i) for i in range(rounds[k]))
    if k < len(rounds) - 1:
        suspend_flow_run(timeout=24 * 3600, key=f"round-{k}")
    return total


if __name__ == "__main__":
    bare_case.serve(name="bare", limit=int(sys.argv[1]) if len(sys.argv) > 1 else 8)
