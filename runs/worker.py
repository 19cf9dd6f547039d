"""The case worker: a Prefect worker whose runs execute in its own threads, not a process each.

Prefect's `serve()` Runner starts a new interpreter for every execution of a run (the first and
every resume after a person's answer): about 1.5 CPU-s to import Prefect and fengqiao for a few
milliseconds of work. This worker is a work-pool type of its own (Prefect's extension point for
executing runs, like prefect-docker's): it polls its pool like any worker, shows its heartbeat
on the pool's page, and runs each flow run with Prefect's own engine (`run_flow`) in a thread of
this long-lived process. States, task runs, logs and events are Prefect's as before.

Measured in one run (20 cases, 4 at once, a 2-core machine under load): 5.1 CPU-s a case in all
(worker 1.1, Prefect server 3.4, PostgreSQL 0.7) against 19.3 with `serve()` (runner 13.9).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any
from uuid import UUID

import anyio
import anyio.abc
import anyio.to_thread
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.responses import WorkerFlowRunResponse
from prefect.exceptions import Abort, Pause
from prefect.flow_engine import run_flow
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.workers.base import BaseJobConfiguration, BaseVariables, BaseWorker, BaseWorkerResult

from fengqiao.config.logging import get_logger
from fengqiao.config.settings import get_settings

log = get_logger(component="worker")
WORKER_TYPE = "fengqiao-inprocess"
_serving_here: set[str] = set()  # the workers serving their pool in this process, by name


def serving_here(name: str | None = None) -> bool:
    """Whether that worker (None: any) is serving its pool in this process. Its runs are alive
    however late its heartbeat reaches Prefect: an embedded server on SQLite holds a request up to
    60 s on its lock, so on a quiet machine a demo's worker was seen silent for a minute and the
    sweep (in the same process) declared its runs dead (runs/liveness.py asks this first)."""
    return name in _serving_here if name is not None else bool(_serving_here)


@contextmanager
def serving(name: str) -> Iterator[None]:
    _serving_here.add(name)
    try:
        yield
    finally:
        _serving_here.discard(name)


class InProcessJob(BaseJobConfiguration):
    """Nothing to configure: a run needs no image, command or environment of its own."""


class InProcessVariables(BaseVariables):
    pass


class InProcessResult(BaseWorkerResult):
    pass


class CaseWorker(BaseWorker[InProcessJob, InProcessVariables, InProcessResult]):
    type = WORKER_TYPE
    job_configuration = InProcessJob
    job_configuration_variables = InProcessVariables
    _description = "fengqiao's case flows, each run in a thread of the worker process (no process per run)."

    def __init__(self, work_pool_name: str, *, name: str, threads: int) -> None:
        # Not BaseWorker's own limit: it is keyed by flow run, and a run resumed while its last
        # execution still unwinds is polled again; the limiter then raises in the polling loop.
        super().__init__(
            work_pool_name,
            name=name,
            limit=None,
            create_pool_if_not_found=False,
            heartbeat_interval_seconds=get_settings().worker_heartbeat_seconds,  # its death is seen by it (liveness.py)
        )
        self._threads = anyio.CapacityLimiter(threads)
        self._thread_count = threads
        self._running: dict[UUID, anyio.Event] = {}  # executing (or waiting for a thread)
        self._held: list[UUID] = []  # in run(): from Prefect's hand-over until the execution ends (a
        # run resumed while its last execution unwinds is in it twice, and holds a thread twice)
        self._flows: dict[str, Flow[..., Any]] = {}
        self._entrypoints: dict[UUID, str] = {}
        self._flows_lock = threading.Lock()
        self.stopping = False

    def _flow(self, entrypoint: str) -> Flow[..., Any]:
        with self._flows_lock:
            if entrypoint not in self._flows:
                loaded: Any = load_flow_from_entrypoint(entrypoint)
                assert isinstance(loaded, Flow), entrypoint
                self._flows[entrypoint] = loaded
            return self._flows[entrypoint]

    async def _entrypoint(self, flow_run: FlowRun) -> str:
        """The deployment's entrypoint, asked once per deployment: `fengqiao deploy` keeps it stable."""
        assert flow_run.deployment_id is not None
        if flow_run.deployment_id not in self._entrypoints:
            deployment = await self.client.read_deployment(flow_run.deployment_id)
            assert deployment.entrypoint is not None
            self._entrypoints[flow_run.deployment_id] = deployment.entrypoint
        return self._entrypoints[flow_run.deployment_id]

    @staticmethod
    def _execute(flow: Flow[..., Any], flow_run: FlowRun) -> str:
        try:
            state = run_flow(flow, flow_run=flow_run, return_type="state")
        except Pause:  # suspend_flow_run: Prefect holds the run as Suspended; this thread is free
            return "Suspended"
        except Abort:  # Prefect refused the run to us (another worker took it, or it was cancelled)
            return "Aborted"
        return str(getattr(state, "name", "?"))

    def _free_threads(self) -> int:
        """Threads not promised to a run: one is promised from the moment a poll takes the run
        (Prefect's submission, then run() until its execution ends), not only while it executes.
        Counting only the executing ones, the polls that every wake-up sets off took runs still being
        submitted twice over; those waited Pending behind the threads, and a run Pending for
        FENGQIAO_WORKER_DEAD_SECONDS is declared never started (liveness.py): three in a clean demo."""
        submitting = set(self._submitting_flow_run_ids) - set(self._held)  # not yet handed to run()
        return max(0, self._thread_count - len(submitting) - len(self._held))

    async def get_and_submit_flow_runs(self) -> list[FlowRun]:
        if self.stopping or not self._free_threads():
            return []  # told to stop, or every thread promised: leave the runs to the pool's other workers
        return await super().get_and_submit_flow_runs()

    async def _get_scheduled_flow_runs(self) -> list[WorkerFlowRunResponse]:
        # Take no more runs than there are free threads: a run taken is Pending, and a Pending run
        # queued here behind others would send no heartbeat while another worker sits idle.
        runs = await super()._get_scheduled_flow_runs()
        return runs[: self._free_threads()]

    async def run(
        self,
        flow_run: FlowRun,
        configuration: InProcessJob,
        task_status: anyio.abc.TaskStatus[int] | None = None,
    ) -> InProcessResult:
        self._held.append(flow_run.id)
        try:
            flow = await anyio.to_thread.run_sync(self._flow, await self._entrypoint(flow_run))
            if task_status is not None:
                task_status.started(os.getpid())
            while (earlier := self._running.get(flow_run.id)) is not None:
                await earlier.wait()  # the run's last execution (it suspended) is still unwinding
            self._running[flow_run.id] = done = anyio.Event()
            try:
                ended = await anyio.to_thread.run_sync(partial(self._execute, flow, flow_run), limiter=self._threads)
            finally:
                del self._running[flow_run.id]
                done.set()
        finally:
            self._held.remove(flow_run.id)
        log.debug("flow_run.execution.ended", flow_run_id=str(flow_run.id), state=ended)
        return InProcessResult(status_code=0, identifier=str(flow_run.id))

    async def drain(self, seconds: float) -> int:
        """Take no new run and give the running ones `seconds` to finish; how many are still running."""
        self.stopping = True
        with anyio.move_on_after(seconds):
            while self._running:
                await anyio.sleep(0.1)
        return len(self._running)
