"""The Prefect side every fengqiao process shares: the embedded server, the work pool and its
deployments, and one client for creating and reading case runs.

The deployments are data (a flow's entrypoint, a name, a schedule), as in a `prefect.yaml`: the
flows are loaded by Prefect's own loader, as a worker loads them, so this package sits below
flows/ (a flow may start or wake a case run) without importing them.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectNotFound
from prefect.flows import load_flow_from_entrypoint
from prefect.schedules import Cron, Schedule
from prefect.settings import PREFECT_API_URL
from prefect.types.entrypoint import EntrypointType

from fengqiao.config.logging import get_logger
from fengqiao.config.prefect_env import EMBEDDED_PORT, EMBEDDED_STARTED
from fengqiao.config.settings import get_settings
from fengqiao.models.errors import PrefectUnavailable
from fengqiao.runs.automations import apply_automations
from fengqiao.runs.worker import CaseWorker

log = get_logger(component="deployments")
_lock = threading.RLock()  # the worker thread and the main thread may both reach for the server
_deployment_ready = False


@dataclass(frozen=True)
class Deployment:
    entrypoint: str  # module.flow: the same on every machine that has the package
    name: str
    description: str
    schedules: tuple[Schedule, ...] = ()
    tags: tuple[str, ...] = ()  # given to every run of it, so the UI's filters find them

    @property
    def full_name(self) -> str:
        return f"{self.entrypoint.rsplit('.', 1)[1].replace('_', '-')}/{self.name}"


CASE = Deployment("fengqiao.flows.case.case_flow", "case", "One dispute case, from intake to closing.")
DEADLINES = Deployment(
    "fengqiao.flows.deadlines.deadline_sweep",
    "daily",
    "Warn before deadlines; escalate overdue attempts as the path says (reason deadline).",
    (Cron("0 8 * * *", timezone="Asia/Shanghai"),),
    ("fengqiao", "sweep:deadlines"),
)
CHAIN_DIGEST = Deployment(
    "fengqiao.flows.chain_digest.chain_digest",
    "daily",
    "Every case's hash-chain heads to a digest file; its root posted to FENGQIAO_AUDIT_DIGEST_WEBHOOK.",
    (Cron("30 0 * * *", timezone="Asia/Shanghai"),),
    ("fengqiao", "audit:digest"),
)
DEPLOYMENTS = (CASE, DEADLINES, CHAIN_DIGEST)
DEPLOYMENT = CASE.full_name  # "case-flow/case": what case runs are created from
DEPLOYMENT_WAIT_SECONDS = 600.0  # a first start of the embedded server on a busy machine takes minutes


def start_embedded_prefect() -> str | None:
    """Start Prefect's own server in a subprocess when no PREFECT_API_URL was given; its URL."""
    port = os.environ.get(EMBEDDED_PORT)
    if not port:
        return None
    from prefect.server.api.server import SubprocessASGIServer

    with _lock:
        server = SubprocessASGIServer(port=int(port))
        if not server.running:
            # The server inherits this process's terminal: its background services log SQLite's
            # "database is locked" with a traceback (their next round retries), which is noise on
            # the demo's screen. Its root logger is quieted for the subprocess only.
            quiet = "PREFECT_LOGGING_ROOT_LEVEL" not in os.environ
            if quiet:
                os.environ["PREFECT_LOGGING_ROOT_LEVEL"] = "CRITICAL"
            try:
                server.start(timeout=int(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")))
            finally:
                if quiet:
                    del os.environ["PREFECT_LOGGING_ROOT_LEVEL"]
            os.environ[EMBEDDED_STARTED] = "1"
    return server.api_url


def deploy() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The work pool (created if missing), the deployments on it and the pool's automations
    (runs/automations.py): `fengqiao deploy`, run once per release; idempotent, so the demo and
    `serve` run it too. Each deployment's name and entrypoint; each automation's name and what was
    done to it (created, updated, unchanged)."""
    pool = get_settings().work_pool
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            template = CaseWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=pool, type=CaseWorker.type, base_job_template=template))
            log.info("prefect.work_pool.created", work_pool=pool)
    applied = []
    for spec in DEPLOYMENTS:
        deployment = load_flow_from_entrypoint(spec.entrypoint).to_deployment(
            name=spec.name,
            description=spec.description,
            schedules=list(spec.schedules),
            tags=list(spec.tags),
            work_pool_name=pool,
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        deployment.apply(work_pool_name=pool)  # type: ignore[union-attr]  # to_deployment is sync here
        applied.append((spec.full_name, spec.entrypoint))
    with get_client(sync_client=True) as client:
        automations = apply_automations(client, pool, get_settings().late_run_minutes)
    return applied, automations


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


def wait_for_deployment(timeout: float = DEPLOYMENT_WAIT_SECONDS) -> None:
    """Wait until the case deployment can be read: a first start of the embedded server on a busy
    machine takes minutes (its database is made and migrated), and the worker thread retries it, so
    the wait is long but bounded, and ends in one line naming what was not reached."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with get_client(sync_client=True) as client:
                client.read_deployment_by_name(DEPLOYMENT)
            return
        except Exception as exc:  # noqa: BLE001 - not up yet, or not deployed yet: ask again
            if time.monotonic() > deadline:
                raise PrefectUnavailable(
                    f"Prefect at {PREFECT_API_URL.value() or 'the embedded server'} did not offer the "
                    f"deployment {DEPLOYMENT} within {timeout:.0f} s ({type(exc).__name__}) "
                    "Prefect 服务未就绪"
                ) from None
            time.sleep(0.5)
