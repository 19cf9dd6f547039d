"""The Prefect side of a fengqiao process: the embedded server, the case deployment, the worker."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.deployments.runner import RunnerDeployment
from prefect.runner import Runner
from prefect.settings import PREFECT_API_URL

from fengqiao.config.prefect_env import EMBEDDED_PORT, EMBEDDED_STARTED
from fengqiao.config.settings import get_settings
from fengqiao.flows.case import case_flow

DEPLOYMENT = "case-flow/case"
_lock = threading.RLock()  # the worker thread and the main thread may both reach for the server
_deployment_ready = False


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
    deployment = case_flow.to_deployment(name="case", description="One dispute case, from intake to closing.")
    assert isinstance(deployment, RunnerDeployment)  # to_deployment is sync here
    return deployment


def ensure_deployment() -> None:
    """Register the case deployment (idempotent) so runs can be created before a worker polls."""
    global _deployment_ready
    with _lock:
        if not _deployment_ready:
            start_embedded_prefect()
            case_deployment().apply()
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
    """Serve the case deployment: poll for runs (new or resumed) and run each in its own process."""
    settings = get_settings()
    start_embedded_prefect()
    runner = Runner(name="fengqiao-worker", query_seconds=settings.runner_poll_seconds, limit=settings.runner_limit)
    runner.add_deployment(case_deployment())
    from fengqiao.flows.deadlines import deadline_deployment  # late: it imports launch, which imports this module

    runner.add_deployment(deadline_deployment())

    async def main() -> None:
        task = asyncio.create_task(runner.start())
        while not (stop and stop.is_set()) and not task.done():
            await asyncio.sleep(0.2)
        if not task.done():
            await runner.astop()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())


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
