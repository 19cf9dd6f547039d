"""Running the case worker in this process: until told to stop, through Prefect's outages."""

from __future__ import annotations

import asyncio
import os
import socket
import threading

from prefect.settings import PREFECT_CLIENT_RETRY_EXTRA_CODES, PREFECT_WORKER_QUERY_SECONDS, temporary_settings

from fengqiao.config.logging import get_logger, withhold_console_details
from fengqiao.config.settings import Settings, get_settings
from fengqiao.db import wakeups
from fengqiao.runs.deployments import ensure_deployment, wait_for_deployment
from fengqiao.runs.sweep import start_new_cases
from fengqiao.runs.worker import CaseWorker, serving
from fengqiao.services.runtime import engine

RESTART_SECONDS = 5.0  # a worker whose loop ended (Prefect unreachable) starts again after this
log = get_logger(component="worker")
_poll_now = threading.Event()  # look for runs at once (not at the next poll)
_new_cases = threading.Event()  # start the runs of newly registered cases (the intake outbox)


def _woken(what: str) -> None:
    """A wake-up (db/wakeups.py) from this process or, on PostgreSQL, any other."""
    if what == wakeups.NEW_CASES:
        _new_cases.set()
    _poll_now.set()


def run_worker(*, stop: threading.Event | None = None) -> None:
    """Run the case worker (runs/worker.py) on the work pool until stop is set: runs, new or
    resumed, execute in its threads. Stopping takes no new run and lets running steps finish.

    Prefect unreachable at the start, or its worker loop ending on errors (a long outage): the
    worker logs it and starts again after a pause; it ends only when told to."""
    settings = get_settings()
    withhold_console_details()  # Prefect's loggers print one line an error, like ours
    stopped = stop or threading.Event()
    wakeups.on_wakeup(_woken)
    listener = threading.Thread(target=wakeups.listen, args=(engine(), stopped, _woken), daemon=True)
    listener.start()

    # Prefect's client retries 502/503 and dropped connections (backing off ~1 min in all), not a
    # 500: one made a run's engine or the worker's submission fail mid-run, leaving the run Pending
    # or Running with nobody on it (tests/test_prefect_faults.py). The worker's calls and its runs'
    # (threads copy this context) retry a 500 as well, so a short server error only delays them.
    retried = {PREFECT_WORKER_QUERY_SECONDS: settings.runner_poll_seconds, PREFECT_CLIENT_RETRY_EXTRA_CODES: {500}}

    async def main() -> None:
        with temporary_settings(updates=retried):
            while not stopped.is_set():
                try:
                    await asyncio.to_thread(ensure_deployment)
                    await _serve_pool(settings, stopped)
                except Exception as exc:  # noqa: BLE001 - a worker ends only when told to
                    log.warning("worker.restarting", error=type(exc).__name__)
                    await asyncio.to_thread(stopped.wait, RESTART_SECONDS)

    asyncio.run(main())


async def _serve_pool(settings: Settings, stopped: threading.Event) -> None:
    worker = CaseWorker(
        settings.work_pool, name=f"fengqiao-{socket.gethostname()}-{os.getpid()}", threads=settings.runner_limit
    )
    with serving(worker.name):
        await _serve(worker, settings, stopped)


async def _serve(worker: CaseWorker, settings: Settings, stopped: threading.Event) -> None:
    task = asyncio.create_task(worker.start(printer=lambda *_: None))  # start() sets the worker up and tears it down
    while not stopped.is_set() and not task.done():
        if await asyncio.to_thread(_poll_now.wait, 0.2) and worker.is_setup:
            _poll_now.clear()
            try:
                if _new_cases.is_set():
                    _new_cases.clear()
                    await asyncio.to_thread(start_new_cases)
                await worker.get_and_submit_flow_runs()
            except Exception as exc:  # noqa: BLE001 - the regular poll tries again
                log.warning("worker.poll_now.failed", error=type(exc).__name__)
    left = await worker.drain(settings.worker_stop_seconds)
    if left:
        log.warning("worker.stopped_with_runs", running=left)
    task.cancel()
    ended = (await asyncio.gather(task, return_exceptions=True))[0]
    if not stopped.is_set():
        raise RuntimeError(f"the worker's loop ended: {type(ended).__name__}")


def start_worker_thread(*, wait: bool = True) -> tuple[threading.Thread, threading.Event]:
    """The worker in a thread of this process; wait: until its deployment is there (the demo). The
    API's process does not wait: intake needs only the database, and the worker retries Prefect."""
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, kwargs={"stop": stop}, name="fengqiao-worker", daemon=True)
    thread.start()
    if wait:
        wait_for_deployment()
    return thread, stop
