"""Starting a case's flow run, waking it when a person's input is stored, and the sweep that
recovers a lost wake-up. The database says what a case needs; Prefect is only asked to run it."""

from __future__ import annotations

import time
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound
from prefect.flow_runs import resume_flow_run

from config.logging import get_logger
from db import repository as repo
from db.uow import UnitOfWork
from flows.runtime import DEPLOYMENT, ensure_deployment
from models.case import Case, StepKind
from tasks.context import engine
from tasks.notify import run_tags
from tasks.steps import current_step

log = get_logger(component="launch")
ACTIVE = {StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING}


def start_case_flow(case: Case, *, attempt: int = 0) -> str:
    """Create the case's flow run from the deployment and record it; at most one per case and attempt."""
    ensure_deployment()
    run = run_deployment(
        DEPLOYMENT,
        parameters={"case_id": case.id},
        timeout=0,
        flow_run_name=f"case-{case.case_no}",
        tags=run_tags(case),
        idempotency_key=f"fengqiao-case-{case.id}-{attempt}",
    )
    with UnitOfWork(engine()) as uow:
        repo.record_flow_run(uow.conn, case.id, str(run.id))
        uow.commit()
    log.info("case.flow_run.created", case_no=case.case_no, flow_run_id=str(run.id))
    return str(run.id)


def _state(flow_run_id: str) -> StateType | None:
    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(flow_run_id)).state
    except ObjectNotFound:
        return None
    return state.type if state else None


def wake_case(case_id: int, *, settle_seconds: float = 30.0) -> str:
    """Make sure the case's stored state gets acted on: resume its suspended run, or start a new one."""
    with UnitOfWork(engine()) as uow:
        case = repo.get_case(uow.conn, case_id)
        flow_run_id, _ = repo.case_flow_run(uow.conn, case_id)
    if flow_run_id is None:
        return f"started {start_case_flow(case)}"
    state = _state(flow_run_id)
    if state in (StateType.SCHEDULED, StateType.PENDING):
        return "pending"  # it will read the stored input when it starts
    deadline = time.monotonic() + settle_seconds
    while state is StateType.RUNNING and time.monotonic() < deadline:
        # It may have read "waiting" just before the input was stored: let it suspend, then resume it.
        time.sleep(0.3)
        state = _state(flow_run_id)
    if state is StateType.PAUSED:
        try:
            resume_flow_run(UUID(flow_run_id))
            return "resumed"
        except (NotPausedError, RuntimeError) as exc:  # the sweep and a person's request raced: one resumed it
            log.info("case.flow_run.resume_skipped", case_id=case_id, reason=type(exc).__name__)
            return "resumed"
        except FlowPauseTimeout:
            state = StateType.FAILED  # the wait expired in Prefect: the case gets a new run below
    if state in ACTIVE:
        return "running"
    if case.status == "closed":
        return "closed"
    # The run ended (crashed, failed, cancelled, completed early): hand the case to a new run.
    with UnitOfWork(engine()) as uow:
        repo.release_case(uow.conn, case_id, flow_run_id)
        uow.commit()
    return f"restarted {start_case_flow(case, attempt=int(time.time()))}"


def sweep_once() -> dict[int, str]:
    """Every case whose stored state calls for progress while its run is not moving: wake it."""
    with UnitOfWork(engine()) as uow:
        candidates = repo.cases_with_open_runs(uow.conn)
        never_started = repo.cases_without_runs(uow.conn)
    woken: dict[int, str] = {case_id: wake_case(case_id) for case_id in never_started}
    for case_id, flow_run_id in candidates:
        if current_step(case_id)["kind"] in (StepKind.WAIT,):
            continue
        if _state(flow_run_id) in ACTIVE:
            continue
        woken[case_id] = wake_case(case_id, settle_seconds=0)
    return woken
