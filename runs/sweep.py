"""The sweep that recovers a lost wake-up: every case whose stored state calls for progress while
its run is not moving is woken. Run by every worker every few seconds; one at a time across them."""

from __future__ import annotations

from fengqiao.config.logging import get_logger
from fengqiao.db import flow_runs
from fengqiao.db.locks import held_alone
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.case import StepKind
from fengqiao.runs.automations import hear
from fengqiao.runs.launch import ACTIVE, run_state, wake_case
from fengqiao.runs.liveness import crash_if_dead
from fengqiao.runs.schedules import start_due_runs
from fengqiao.services.result_back import deliver_due
from fengqiao.services.runtime import engine
from fengqiao.services.stats import fold_counters
from fengqiao.services.steps import current_step

log = get_logger(component="sweep")


def sweep_once() -> dict[int, str]:
    """Every case whose stored state calls for progress while its run is not moving: wake it.

    One sweep at a time across all workers (the others skip their turn), and no error ends it:
    a case that cannot be woken now is logged and tried again at the next sweep; a database that
    cannot be read now makes an empty sweep.
    """
    try:
        return _sweep()
    except Exception as exc:  # noqa: BLE001 - the worker sweeps again at its next turn
        log.warning("sweep.failed", error=type(exc).__name__)
        return {}


def start_new_cases() -> dict[int, str]:
    """The intake outbox: each registered case without a flow run gets one, now. Intake only
    commits the case and announces it (db/wakeups.py), so it never waits for Prefect; one worker
    at a time drains (the others' wake-ups find nothing left), and Prefect's idempotency key
    makes a second start of the same case the same run."""
    try:
        with held_alone(engine(), "outbox") as mine:
            if not mine:
                return {}
            with UnitOfWork(engine()) as uow:
                new = flow_runs.cases_without_runs(uow.conn)
            return {case_id: _wake_or_report(case_id, settle_seconds=0) for case_id in new}
    except Exception as exc:  # noqa: BLE001 - the sweep starts them at its next turn
        log.warning("outbox.failed", error=type(exc).__name__)
        return {}


def _sweep() -> dict[int, str]:
    with held_alone(engine(), "sweep") as mine:
        if not mine:
            return {}
        with UnitOfWork(engine()) as uow:
            candidates = flow_runs.cases_with_open_runs(uow.conn)
        woken = start_new_cases()  # the outbox, in case a wake-up was lost
        try:
            deliver_due()  # results owed to channels whose earlier attempts failed
        except Exception as exc:  # noqa: BLE001 - the sweep goes on; the notices stay due
            log.warning("sweep.results_back.failed", error=type(exc).__name__)
        try:
            fold_counters()  # the counters' appended rows into their sums, so reading them stays cheap
        except Exception as exc:  # noqa: BLE001 - the rows stay appended (counted) until the next sweep
            log.warning("sweep.counters.unfolded", error=type(exc).__name__)
        try:
            hear()  # Prefect's automation firings, as alerts, whether or not anyone has the page open
        except Exception as exc:  # noqa: BLE001 - the next sweep reads on from the last firing heard
            log.warning("sweep.automations.unheard", error=f"{type(exc).__name__}: {exc}"[:300])
        for case_id, flow_run_id in candidates:
            if (outcome := _stalled(case_id, flow_run_id)) is not None:
                woken[case_id] = outcome
        return woken


def _stalled(case_id: int, flow_run_id: str) -> str | None:
    """Wake the case if its stored state calls for progress and its run is not moving; None if it needs nothing."""
    try:
        if current_step(case_id)["kind"] in (StepKind.WAIT, StepKind.HELD):
            return None  # waiting for a person: nothing to do until the input arrives
        if run_state(flow_run_id) in ACTIVE and not crash_if_dead(flow_run_id):
            return None
    except Exception as exc:  # noqa: BLE001 - Prefect or the database failed for this case: next sweep
        log.warning("sweep.case.failed", case_id=case_id, error=type(exc).__name__)
        return f"not woken now ({type(exc).__name__})"
    return _wake_or_report(case_id, settle_seconds=0)


def _wake_or_report(case_id: int, *, settle_seconds: float) -> str:
    try:
        return wake_case(case_id, settle_seconds=settle_seconds)
    except Exception as exc:  # noqa: BLE001 - one case's failure never ends the sweep
        log.warning("sweep.case.failed", case_id=case_id, error=type(exc).__name__)
        return f"not woken now ({type(exc).__name__})"


def sweep_round() -> dict[int, str]:
    """What a long-lived worker does each round: the sweep and, on the embedded server, which has
    no scheduler, the scheduled deployments' due runs (runs/schedules.py)."""
    try:
        start_due_runs()
    except Exception as exc:  # noqa: BLE001 - the next round asks again (one run per fire time)
        log.warning("schedules.failed", error=type(exc).__name__)
    return sweep_once()
