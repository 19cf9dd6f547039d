"""Starting a case's flow run and waking it when a person's input is stored. The database says
what a case needs; Prefect is only asked to run it."""

from __future__ import annotations

import logging
import time
from uuid import UUID

import httpx
from prefect.client.schemas.actions import LogCreate
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
from fengqiao.services.runtime import engine, now
from fengqiao.tasks.monitor import tags_for

log = get_logger(component="launch")
ACTIVE = {StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING}


def start_case_flow(case: Case, *, replacing: flow_runs.Ended | None = None) -> str:
    """Create the case's flow run from the deployment and record it: one first run per case, and
    one replacement per ended run, however many callers (a person's request, every worker's
    sweep) decide at once that it needs one: Prefect's idempotency key makes them the same run.
    A replacement is labelled with the run it replaces, and that run's logs say why (below)."""
    client, deployment_id = case_runs_client()
    # with the registration time: two databases sharing one Prefect server (the tests') reuse case ids
    registered = f"{case.created_at.timestamp():.6f}" if case.created_at else ""
    after = replacing.flow_run_id if replacing else None
    run = client.create_flow_run_from_deployment(
        deployment_id,
        parameters={"case_id": case.id},
        name=f"case-{case.case_no}",
        tags=tags_for(case),
        idempotency_key=f"fengqiao-case-{case.id}-{registered}-" + (f"after-{after}" if after else "0"),
        labels={REPLACES: after} if after else None,
    )
    with UnitOfWork(engine()) as uow:
        added = flow_runs.record_flow_run(uow.conn, case.id, str(run.id), at=now(), replacing=replacing)
        wakeups.announce(uow, wakeups.RUNS)  # a worker, here or elsewhere, takes it now
        uow.commit()
    log.info("case.flow_run.created", case_no=case.case_no, flow_run_id=str(run.id), replacing=after)
    if added and replacing is not None:
        _say_replaced(replacing, str(run.id), case.case_no)
    return str(run.id)


REPLACES, REPLACED_BY = "fengqiao.replaces", "fengqiao.replaced-by"


def _say_replaced(old: flow_runs.Ended, new_run_id: str, case_no: str) -> None:
    """What Prefect's UI can say on the ended run: a state is final (setting another would rewrite
    its history, and Prefect keeps no editable note), so a line in its logs and a label naming the
    run that took the case over. Best effort: the case page and the API have it from the database."""
    client = case_runs_client()[0]
    line = (
        f"fengqiao: 已由新的流程运行接替 handed on to flow run {new_run_id} (case-{case_no}): "
        f"this run ended {old.state}" + (f": {old.message}" if old.message else "")
    )
    old_id = UUID(old.flow_run_id)
    try:
        said = {"name": "fengqiao", "level": logging.WARNING, "message": line, "timestamp": now()}
        client.create_logs([LogCreate.model_validate({**said, "flow_run_id": old_id})])
        client.update_flow_run_labels(old_id, {REPLACED_BY: new_run_id})
    except (httpx.HTTPError, PrefectException) as exc:
        log.warning("case.flow_run.replacement_unlabelled", flow_run_id=old.flow_run_id, error=type(exc).__name__)


def how_it_ended(flow_run_id: str, *, expired: bool = False) -> flow_runs.Ended:
    """The ended run's state as Prefect has it, for the record of why the case got a new run."""
    try:
        state = case_runs_client()[0].read_flow_run(UUID(flow_run_id)).state
    except ObjectNotFound:
        return flow_runs.Ended(flow_run_id, "Missing", "Prefect has no such run (deleted)")
    name, message = (state.name or state.type.value, state.message or "") if state else ("Unknown", "")
    if expired:  # Prefect expired the run's wait before fengqiao resumed it
        message = "its pause timed out in Prefect before it was resumed" + (f"; {message}" if message else "")
    return flow_runs.Ended(flow_run_id, name, message)


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
    deadline, expired = time.monotonic() + settle_seconds, False
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
            state, expired = StateType.FAILED, True  # the wait expired in Prefect: the case gets a new run below
    if state in ACTIVE:
        return "running"
    if case.status == "closed":
        return "closed"
    if state is StateType.CRASHED:
        return _resume_in_place(flow_run_id)
    # The run ended (failed, cancelled, completed early): a new run takes the case over from it in
    # the transaction that records it (released before, a Prefect outage in between would leave the
    # case held by no run, which no sweep looks for).
    return f"restarted {start_case_flow(case, replacing=how_it_ended(flow_run_id, expired=expired))}"


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
