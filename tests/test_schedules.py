"""The embedded Prefect server has no scheduler: a worker starts the scheduled deployments' due runs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from prefect.client.orchestration import get_client

from fengqiao.models.clocks import CST
from fengqiao.runs.schedules import due_fires, start_due_runs


def test_each_scheduled_deployment_fires_at_its_latest_time_in_china():
    at = datetime(2026, 12, 2, 0, 15, tzinfo=CST)  # after midnight, before the 00:30 digest

    assert due_fires(at) == [
        ("deadline-sweep/daily", datetime(2026, 12, 1, 8, 0, tzinfo=CST)),
        ("chain-digest/daily", datetime(2026, 12, 1, 0, 30, tzinfo=CST)),
    ]


def test_on_the_embedded_server_one_run_per_fire_time_however_often_asked(prefect_server):
    morning, noon = datetime(2026, 12, 2, 9, 0, tzinfo=CST), datetime(2026, 12, 2, 12, 0, tzinfo=CST)

    first, again, later = start_due_runs(morning), start_due_runs(morning), start_due_runs(noon)
    tomorrow = start_due_runs(datetime(2026, 12, 3, 9, 0, tzinfo=CST))

    assert sorted(first) == ["chain-digest/daily", "deadline-sweep/daily"]
    assert first == again == later  # the same fires (08:00 and 00:30 that day): the same runs
    assert tomorrow["deadline-sweep/daily"] != first["deadline-sweep/daily"]
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(first["deadline-sweep/daily"]))
        deployment = client.read_deployment(run.deployment_id)
    assert (deployment.name, run.state_name, sorted(run.tags)) == (
        "daily",
        "Scheduled",
        ["fengqiao", "scheduled", "sweep:deadlines"],
    )
