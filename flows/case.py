"""case_flow(case_id): a loop over the case's stored state, one task per step, until it waits or ends.

Waiting holds no process: a run from the deployment suspends (Prefect frees the process and
re-runs the flow from the top on resume); a run called directly returns and the next call
continues. Either way the loop re-reads the database, so it continues exactly where the case stands.
"""

from __future__ import annotations

from prefect import flow
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run

from fengqiao.models.case import StepKind
from fengqiao.services.claims import claim_case, release_case
from fengqiao.services.parking import clear_step_failures, record_step_failure
from fengqiao.services.steps import current_step
from fengqiao.tasks.assignment import assign_mediator
from fengqiao.tasks.closing import close_case
from fengqiao.tasks.escalation import record_expert_opinion
from fengqiao.tasks.handoff import hand_off_unsuitable
from fengqiao.tasks.mediation import apply_exit, apply_mediation_outcome
from fengqiao.tasks.result_back import send_result
from fengqiao.tasks.retry import retrying
from fengqiao.tasks.triage import triage_case
from fengqiao.tasks.withheld import withheld

STAGE_TASKS = {
    StepKind.TRIAGE: triage_case,
    StepKind.HAND_OFF_UNSUITABLE: hand_off_unsuitable,
    StepKind.ASSIGN: assign_mediator,
    StepKind.APPLY_OUTCOME: apply_mediation_outcome,
    StepKind.APPLY_EXIT: apply_exit,
    StepKind.RECORD_OPINION: record_expert_opinion,
    StepKind.CLOSE: close_case,
}
MAX_STEPS = 64  # far more than any path has; a loop that runs past it is a bug, not a long case
SUSPEND_TIMEOUT = 400 * 24 * 3600  # deadlines are ours (stored, swept); Prefect must never expire a wait first


@flow(name="case-flow", log_prints=False, persist_result=False)
@withheld
def case_flow(case_id: int) -> str:
    ctx = FlowRunContext.get()
    assert ctx is not None and ctx.flow_run is not None
    run_id, from_deployment = str(ctx.flow_run.id), ctx.flow_run.deployment_id is not None
    step = retrying(claim_case, case_id, run_id)
    if step is None:
        return "not-owner"
    failures = step.pop("failures")
    suspends: dict[str, int] = {}
    for _ in range(MAX_STEPS):
        kind = StepKind(step["kind"])
        if kind is StepKind.DONE:
            retrying(release_case, case_id, run_id)
            send_result(case_id)  # 结果同悉; a failure is retried by the sweep, the case stays closed
            return "closed"
        if kind is StepKind.HELD:  # a suspected duplicate: the supervisor's decision starts a new run
            retrying(release_case, case_id, run_id)
            return "held:duplicate"
        if kind is StepKind.WAIT:
            wait = step["wait"]
            if not from_deployment:
                retrying(release_case, case_id, run_id)
                return f"waiting:{wait['kind']}"
            # A key already used returns at once (the run was resumed before, maybe with no input
            # stored: a stray Resume click); counting per wait makes the next call suspend again.
            wait_key = f"{wait['kind']}-{wait['round']}"
            suspends[wait_key] = suspends.get(wait_key, -1) + 1
            suspend_flow_run(timeout=SUSPEND_TIMEOUT, key=f"{wait_key}-{suspends[wait_key]}")
            step = retrying(current_step, case_id)
            continue
        try:
            step = retrying(STAGE_TASKS[kind], case_id, flow_run_id=run_id)
        except Exception as exc:  # the run fails as before; the case counts it, and parks at the limit
            record_step_failure(case_id, run_id, exc)
            raise
        if failures:  # a step went through: earlier failed runs are no longer in a row
            retrying(clear_step_failures, case_id)
            failures = 0
    raise RuntimeError(f"case {case_id}: no end after {MAX_STEPS} steps")
