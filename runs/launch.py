"""Starting a case's flow run and waking it when a person's input is stored. The database says
what a case needs; Prefect is only asked to run it."""

from __future__ import annotations

import time
from uuid import UUID

import httpx
from prefect.client.schemas.objects import StateType
from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound, PrefectException
from prefect.flow_runs import resume_flow_run
from prefect.states import Scheduled

from fengqiao.config.logging import get_logger
from fengqiao.db import cases as case_store
from fengqiao.db import flow_runs, wakeups
from fengqiao.db.parking import parking_of
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.case import Case
from fengqiao.runs.deployments import case_runs_client
from fengqiao.services.runtime import engine
from fengqiao.tasks.monitor import tags_for

log = get_logger(component="launch")
ACTIVE = {StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING}


def start_case_flow(case: Case, *, replacing: str | None = None) -> str:
    """Create the case's flow run from the deployment and record it: one first run per case, and
    one replacement per ended run, however many callers (a person's request, every worker's
    sweep) decide at once that it needs one: Prefect's idempotency key makes them the same run."""
    client, deployment_id = case_runs_client()
    # with the registration time: two databases sharing one Prefect server (the tests') reuse case ids
    registered = f"{case.created_at.timestamp():.6f}" if case.created_at else ""
    run = client.create_flow_run_from_deployment(
        deployment_id,
        parameters={"case_id": case.id},
        name=f"case-{case.case_no}",
        tags=tags_for(case),
        idempotency_key=f"fengqiao-case-{case.id}-{registered}-" + (f"after-{replacing}" if replacing else "0"),
    )
    with UnitOfWork(engine()) as uow:
        flow_runs.record_flow_run(uow.conn, case.id, str(run.id))
        wakeups.announce(uow, wakeups.RUNS)  # a worker, here or elsewhere, takes it now
        uow.commit()
    log.info("case.flow_run.created", case_no=case.case_no, flow_run_id=str(run.id))
    return str(run.id)


def _runs_ready() -> None:
    with UnitOfWork(engine()) as uow:
        wakeups.announce(uow, wakeups.RUNS)
        uow.commit()


def run_state(flow_run_id: str) -> StateType | None:
    try:
        state = case_runs_client()[0].read_flow_run(UUID(flow_run_id)).state
    except ObjectNotFound:
        return None
    return state.type if state else None


def wake_case(case_id: int, *, settle_seconds: float = 30.0) -> str:
    """Make sure the case's stored state gets acted on: resume its suspended run, or start a new one.

    A parked case is left alone (a person's input is stored and waits for the retry)."""
    with UnitOfWork(engine()) as uow:
        case = case_store.get_case(uow.conn, case_id)
        flow_run_id, _ = flow_runs.case_flow_run(uow.conn, case_id)
        parked = parking_of(uow.conn, case_id)
    if parked is not None:
        return "parked"
    if flow_run_id is None:
        return f"started {start_case_flow(case)}"
    state = run_state(flow_run_id)
    if state in (StateType.SCHEDULED, StateType.PENDING):
        return "pending"  # it will read the stored input when it starts
    deadline = time.monotonic() + settle_seconds
    while state is StateType.RUNNING and time.monotonic() < deadline:
        # It may have read "waiting" just before the input was stored: let it suspend, then resume it.
        time.sleep(0.3)
        state = run_state(flow_run_id)
    if state is StateType.PAUSED:
        try:
            resume_flow_run(UUID(flow_run_id))
            _runs_ready()
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
    if state is StateType.CRASHED:
        return _resume_in_place(flow_run_id)
    # The run ended (failed, cancelled, completed early): hand the case to a new run.
    with UnitOfWork(engine()) as uow:
        flow_runs.release_case(uow.conn, case_id, flow_run_id)
        uow.commit()
    return f"restarted {start_case_flow(case, replacing=flow_run_id)}"


def _resume_in_place(flow_run_id: str) -> str:
    """A crashed run (its worker died) is scheduled again, so the same run finishes the case: the
    monitor keeps one run per case, whose state history shows the crash and the restart. A crash
    says nothing about the case, so it is not counted as a failed step."""
    message = "fengqiao: scheduled again after a crash; the case continues where it stands"
    case_runs_client()[0].set_flow_run_state(UUID(flow_run_id), Scheduled(message=message), force=True)
    log.warning("case.flow_run.rescheduled", flow_run_id=flow_run_id)
    _runs_ready()
    return "rescheduled"


def try_wake(case_id: int) -> str:
    """wake_case for a person's request: the input is already stored, so a Prefect outage only delays it."""
    try:
        return wake_case(case_id)
    except (httpx.HTTPError, PrefectException, OSError) as exc:
        log.warning("case.flow_run.wake_failed", case_id=case_id, error=type(exc).__name__)
        return f"not woken now ({type(exc).__name__}: Prefect unreachable); the worker's sweep will resume it"


def flow_run_state(flow_run_id: str) -> str | None:
    """The run's state name as Prefect shows it (Running, Paused, Completed…), or None when unknown."""
    try:
        state = case_runs_client()[0].read_flow_run(UUID(flow_run_id)).state
    except (ObjectNotFound, ValueError):
        return None
    except Exception:  # noqa: BLE001 - a page must render even when Prefect does not answer
        return "unreachable"
    return state.name if state else None
