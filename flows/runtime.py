"""The Prefect side of a fengqiao process: the embedded server, the case deployment, the worker."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, PREFECT_WORKER_QUERY_SECONDS, temporary_settings
from prefect.types.entrypoint import EntrypointType

from fengqiao.config.logging import get_logger
from fengqiao.config.prefect_env import EMBEDDED_PORT, EMBEDDED_STARTED
from fengqiao.config.settings import Settings, get_settings
from fengqiao.flows.case import case_flow

DEPLOYMENT = "case-flow/case"
RESTART_SECONDS = 5.0  # a worker whose loop ended (Prefect unreachable) starts again after this
log = get_logger(component="runtime")
_lock = threading.RLock()  # the worker thread and the main thread may both reach for the server
_deployment_ready = False
_poll_now = threading.Event()  # a worker in this process looks for runs at once (not at its next poll)


def poll_now() -> None:
    """A run was just created or resumed here: a worker in this process (serve, the demo) takes it now."""
    _poll_now.set()


def start_embedded_prefect() -> str | None:
    """Start Prefect's own server in a subprocess when no PREFECT_API_URL was given; its URL."""
    port = os.environ.get(EMBEDDED_PORT)
    if not port:
        return None
    from prefect.server.api.server import SubprocessASGIServer

    with _lock:
        server = SubprocessASGIServer(port=int(port))
        if not server.running:
            server.start(timeout=int(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")))
            os.environ[EMBEDDED_STARTED] = "1"
    return server.api_url


def case_deployment() -> RunnerDeployment:
    deployment = case_flow.to_deployment(
        name="case",
        description="One dispute case, from intake to closing.",
        work_pool_name=get_settings().work_pool,
        entrypoint_type=EntrypointType.MODULE_PATH,  # fengqiao.flows.case.case_flow: the same on every machine
    )
    assert isinstance(deployment, RunnerDeployment)  # to_deployment is sync here
    return deployment


def deploy() -> list[tuple[str, str]]:
    """The work pool (created if missing) and the deployments on it: `fengqiao deploy`, run once per
    release; idempotent, so the demo and `serve` run it too. Each deployment's name and entrypoint."""
    from fengqiao.flows.deadlines import deadline_deployment  # late: it imports launch, which imports this module
    from fengqiao.flows.worker import CaseWorker

    pool = get_settings().work_pool
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            template = CaseWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=pool, type=CaseWorker.type, base_job_template=template))
            log.info("prefect.work_pool.created", work_pool=pool)
    applied = []
    for deployment in (case_deployment(), deadline_deployment()):
        deployment.apply(work_pool_name=pool)
        applied.append((f"{deployment.flow_name}/{deployment.name}", str(deployment.entrypoint)))
    return applied


def ensure_deployment() -> None:
    """Register the deployments (idempotent) so runs can be created before a worker polls."""
    global _deployment_ready
    with _lock:
        if not _deployment_ready:
            start_embedded_prefect()
            deploy()
            _deployment_ready = True


_clients: dict[str, tuple[SyncPrefectClient, UUID]] = {}


def case_runs_client() -> tuple[SyncPrefectClient, UUID]:
    """One Prefect client (and the case deployment's id) per API URL, kept for the process's life.

    Creating a client costs more than the request it makes (measured: a third of an API intake's
    time went to building one per run); httpx's client is safe to share between threads.
    """
    ensure_deployment()
    url = str(PREFECT_API_URL.value())
    with _lock:
        if url not in _clients:
            client = get_client(sync_client=True)
            client.__enter__()
            _clients[url] = (client, client.read_deployment_by_name(DEPLOYMENT).id)
        return _clients[url]


def run_worker(*, stop: threading.Event | None = None) -> None:
    """Run the case worker (flows/worker.py) on the work pool until stop is set: runs, new or
    resumed, execute in its threads. Stopping takes no new run and lets running steps finish.

    Prefect unreachable at the start, or its worker loop ending on errors (a long outage): the
    worker logs it and starts again after a pause; it ends only when told to."""
    settings = get_settings()
    stopped = stop or threading.Event()

    async def main() -> None:
        with temporary_settings(updates={PREFECT_WORKER_QUERY_SECONDS: settings.runner_poll_seconds}):
            while not stopped.is_set():
                try:
                    await asyncio.to_thread(ensure_deployment)
                    await _serve_pool(settings, stopped)
                except Exception as exc:  # noqa: BLE001 - a worker ends only when told to
                    log.warning("worker.restarting", error=type(exc).__name__)
                    await asyncio.to_thread(stopped.wait, RESTART_SECONDS)

    asyncio.run(main())


async def _serve_pool(settings: Settings, stopped: threading.Event) -> None:
    from fengqiao.flows.worker import CaseWorker

    worker = CaseWorker(
        settings.work_pool, name=f"fengqiao-{socket.gethostname()}-{os.getpid()}", threads=settings.runner_limit
    )
    task = asyncio.create_task(worker.start(printer=lambda *_: None))  # start() sets the worker up and tears it down
    while not stopped.is_set() and not task.done():
        if await asyncio.to_thread(_poll_now.wait, 0.2) and worker.is_setup:
            _poll_now.clear()
            try:
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


def start_worker_thread() -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, kwargs={"stop": stop}, name="fengqiao-worker", daemon=True)
    thread.start()
    wait_for_deployment()
    return thread, stop


def wait_for_deployment(timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with get_client(sync_client=True) as client:
                client.read_deployment_by_name(DEPLOYMENT)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
