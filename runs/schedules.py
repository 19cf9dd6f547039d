"""Scheduled runs where no Prefect scheduler makes them.

Prefect's embedded server (no PREFECT_API_URL) is ephemeral: it runs none of Prefect's services,
the scheduler among them, so `deadline-sweep/daily` and `chain-digest/daily` would never run on
the embedded default. There a long-lived worker starts each scheduled deployment's latest due run
itself: one run per fire time, however many rounds or workers ask (Prefect's idempotency key names
the deployment and the fire time). A fire missed while nothing ran (the machine was off at 08:00)
is run at the next start; older ones are not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cronsim import CronSim

from fengqiao.config.logging import get_logger
from fengqiao.config.prefect_env import is_embedded
from fengqiao.runs.deployments import DEPLOYMENTS, case_runs_client

log = get_logger(component="schedules")


def due_fires(at: datetime) -> list[tuple[str, datetime]]:
    """Each scheduled deployment's latest fire time at or before `at`, by deployment name."""
    fires = []
    for spec in DEPLOYMENTS:
        for schedule in spec.schedules:
            assert schedule.cron, f"{spec.full_name}: only cron schedules are started here"
            local = at.astimezone(ZoneInfo(schedule.timezone or "UTC"))
            fires.append((spec.full_name, next(CronSim(schedule.cron, local, reverse=True))))
    return fires


def start_due_runs(at: datetime | None = None) -> dict[str, str]:
    """On the embedded server only: the due run of each scheduled deployment; run id by deployment."""
    if not is_embedded():
        return {}
    client = case_runs_client()[0]  # the deployments are there from here on
    started = {}
    for name, fire in due_fires(at or datetime.now(UTC)):
        deployment = client.read_deployment_by_name(name)
        run = client.create_flow_run_from_deployment(
            deployment.id, idempotency_key=f"fengqiao-schedule-{name}-{fire.isoformat()}", tags=["scheduled"]
        )
        started[name] = str(run.id)
    log.debug("schedules.due_runs", runs=started)
    return started
