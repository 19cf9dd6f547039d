"""A run Prefect shows as taken but that no living worker runs is declared Crashed, with the reason."""

from __future__ import annotations

import time
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.states import Pending, Running

from fengqiao.config.settings import get_settings
from fengqiao.runs.launch import start_case_flow
from fengqiao.runs.liveness import crash_if_dead
from fengqiao.runs.worker import serving
from fengqiao.services.case_reads import case_route
from tests.drive import register
from tests.factories import a_new_case


def test_a_run_left_pending_past_the_dead_limit_is_crashed_naming_why(network, monkeypatch):
    """A worker that died between taking a run (Pending) and labelling it with its name: Pending
    itself is the sign, since a worker takes a run only when it has a thread free."""
    monkeypatch.setenv("FENGQIAO_WORKER_DEAD_SECONDS", "1")
    get_settings.cache_clear()
    _, case_id = register(a_new_case(channel_ref="PENDING-1"))
    run_id = start_case_flow(case_route(case_id).case)
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(run_id), Pending(), force=True)
        pending_at = client.read_flow_run(UUID(run_id)).state.timestamp
        assert crash_if_dead(run_id) is False  # just taken: alive as far as anyone knows

        time.sleep(1.5)
        crashed = crash_if_dead(run_id)
        state = client.read_flow_run(UUID(run_id)).state

    assert crashed is True
    assert (state.name, state.message) == (
        "Crashed",
        f"fengqiao sweep: taken by a worker at {pending_at.isoformat()} and never started",
    )


@pytest.mark.parametrize("labelled", [True, False], ids=["labelled", "not-yet-labelled"])
def test_a_run_pending_past_the_dead_limit_for_a_worker_that_beats_is_waiting_not_dead(network, monkeypatch, labelled):
    """The calls that start and label a run back off for minutes on a busy machine (an embedded
    Prefect answering "database is locked"): a run a living worker took is left Pending, not
    crashed; one not labelled yet, while a worker of its pool beats."""
    monkeypatch.setenv("FENGQIAO_WORKER_DEAD_SECONDS", "3")
    get_settings.cache_clear()
    _, case_id = register(a_new_case(channel_ref=f"PENDING-{labelled}"))
    run_id = start_case_flow(case_route(case_id).case)
    pool, worker = get_settings().work_pool, "fengqiao-busy-worker"
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(run_id), Pending(), force=True)
        if labelled:
            labels = {"prefect.worker.name": worker, "prefect.work-pool.name": pool}
            client.update_flow_run_labels(UUID(run_id), labels)
        time.sleep(3.5)
        client.send_worker_heartbeat(pool, worker)  # it beats: still starting the run
        waiting = crash_if_dead(run_id)
        state = client.read_flow_run(UUID(run_id)).state.name

    assert (waiting, state) == (False, "Pending")


def test_a_run_of_a_worker_serving_in_this_process_is_alive_however_late_its_heartbeat(network, monkeypatch):
    """An embedded Prefect on SQLite holds a request up to 60 s on its lock, so the demo's worker
    was seen silent for a minute while it ran: the sweep in its own process knows better."""
    monkeypatch.setenv("FENGQIAO_WORKER_DEAD_SECONDS", "1")
    get_settings.cache_clear()
    pool, here = get_settings().work_pool, "fengqiao-serving-here"
    runs = [start_case_flow(case_route(register(a_new_case(channel_ref=f"HERE-{n}"))[1]).case) for n in range(3)]
    with get_client(sync_client=True) as client:
        client.send_worker_heartbeat(pool, here)  # then silent
        taken, labelled, running = (UUID(r) for r in runs)
        client.set_flow_run_state(taken, Pending(), force=True)  # not labelled yet
        client.set_flow_run_state(labelled, Pending(), force=True)
        client.set_flow_run_state(running, Pending(), force=True)
        client.set_flow_run_state(running, Running(), force=True)
        for run in (labelled, running):
            client.update_flow_run_labels(run, {"prefect.worker.name": here, "prefect.work-pool.name": pool})
        time.sleep(1.5)
        with serving(here):
            judged = [crash_if_dead(r) for r in runs]
        states = [client.read_flow_run(UUID(r)).state.name for r in runs]
        gone = crash_if_dead(runs[2])  # no longer serving here: its silence is death

    assert (judged, states) == ([False, False, False], ["Pending", "Pending", "Running"])
    assert gone is True
