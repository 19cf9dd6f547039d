"""Whether a case run that Prefect shows running is still alive, and if not, declaring it Crashed.

A worker killed mid-step leaves its runs RUNNING in Prefect for ever (the open-source server does
not notice by itself). The quick sign is the worker's own heartbeat on the work pool: each worker
beats every FENGQIAO_WORKER_HEARTBEAT_SECONDS and labels the runs it takes with its name, so a
run whose worker has been silent for FENGQIAO_WORKER_DEAD_SECONDS is handed on, within a sweep of
that. A run with no such label (or whose worker Prefect no longer lists) falls back on its own
last sign of life: its latest heartbeat event or state change, older than FENGQIAO_STALE_RUN_SECONDS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter
from prefect.states import Crashed

from fengqiao.config.logging import get_logger
from fengqiao.config.settings import get_settings
from fengqiao.runs.deployments import case_runs_client
from fengqiao.runs.worker import serving_here

log = get_logger(component="liveness")


def crash_if_dead(flow_run_id: str) -> bool:
    """Mark the run Crashed if it claims to be running but its worker or itself shows no sign of life."""
    client = case_runs_client()[0]
    run = client.read_flow_run(UUID(flow_run_id))
    if run.state is None or run.state.type not in (StateType.RUNNING, StateType.PENDING):
        return False
    now = datetime.now(UTC)
    reason = _never_started(client, run, now) or _worker_gone(client, run, now) or _run_silent(client, run, now)
    if reason is None:
        return False
    client.set_flow_run_state(UUID(flow_run_id), Crashed(message=f"fengqiao sweep: {reason}"), force=True)
    log.warning("case.flow_run.crashed", flow_run_id=flow_run_id, reason=reason)
    return True


def _never_started(client: SyncPrefectClient, run: FlowRun, now: datetime) -> str | None:
    """A worker takes a run only when it has a thread free, so Pending lasts a moment: a run Pending
    for the dead limit was taken by a worker that died before it started the run, maybe before the
    run was labelled with its name. Unless the worker it names (or, unlabelled, a worker of its pool)
    is beating: on a busy machine, or an embedded Prefect answering "database is locked", the calls
    that start and label a run back off for minutes (runs of a clean demo were declared dead so);
    such a run is left to the silent limit below, which also hands on the rare one whose worker
    died between taking and labelling it while others beat."""
    assert run.state is not None
    since, dead_after = run.state.timestamp, timedelta(seconds=get_settings().worker_dead_seconds)
    if run.state.type is not StateType.PENDING or now - since < dead_after:
        return None
    name, beat = _named_worker(client, run)
    if serving_here(name or None):  # its worker, or (not labelled yet) any, serves in this process
        return None
    if not name:  # taken but not labelled yet (the label is the worker's next call): any worker of its pool
        pool = run.work_pool_name or get_settings().work_pool
        beats = [w.last_heartbeat_time for w in client.read_workers_for_work_pool(pool, limit=200, offset=0)]
        beat = max((b for b in beats if b is not None), default=None)
    if beat is not None and now - beat < dead_after:
        return None
    return f"taken by a worker at {since.isoformat()} and never started"


def _named_worker(client: SyncPrefectClient, run: FlowRun) -> tuple[str, datetime | None]:
    """The worker the run's labels name, and its last heartbeat as the pool has it (None: unknown)."""
    labels = run.labels or {}
    name, pool = labels.get("prefect.worker.name"), labels.get("prefect.work-pool.name")
    if not isinstance(name, str) or not isinstance(pool, str):
        return "", None
    worker = next((w for w in client.read_workers_for_work_pool(pool, limit=200, offset=0) if w.name == name), None)
    return name, worker.last_heartbeat_time if worker is not None else None


def _worker_gone(client: SyncPrefectClient, run: FlowRun, now: datetime) -> str | None:
    name, last_beat = _named_worker(client, run)
    if last_beat is None or serving_here(name):
        return None
    dead_after = timedelta(seconds=get_settings().worker_dead_seconds)
    if now - last_beat < dead_after:
        return None
    assert run.state is not None
    if run.state.timestamp - last_beat >= dead_after:
        return None  # a state set after that worker fell silent is another's: the label is still being moved
    return f"its worker {name} sent no heartbeat since {last_beat.isoformat()}"


def _run_silent(client: SyncPrefectClient, run: FlowRun, now: datetime) -> str | None:
    assert run.state is not None
    heartbeats = client.read_events(
        filter=EventFilter(
            event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
            resource=EventResourceFilter(id=[f"prefect.flow-run.{run.id}"]),
            occurred=EventOccurredFilter.model_validate({"since": run.state.timestamp}),
        ),
        limit=1,
    ).events
    last_alive = max([run.state.timestamp, *(e.occurred for e in heartbeats)])
    if now - last_alive < timedelta(seconds=get_settings().stale_run_seconds):
        return None
    return f"no heartbeat or state change since {last_alive.isoformat()}"
