"""A case waits for its outcome while every process is stopped; after a restart the outcome continues it.

Real processes: a Prefect server (`prefect server start`), a fengqiao worker serving the case
deployment, and `fengqiao outcome` in a process of its own. While the case waits, the worker
and the server are killed; no process holds the case. New ones are started on the same
databases, the outcome is recorded, and the same flow run finishes the case.
"""

from __future__ import annotations

import subprocess
import time

import httpx
import pytest
from sqlalchemy import text

from fengqiao.cli.demo_papers import file_papers
from fengqiao.db import flow_runs
from fengqiao.db.uow import UnitOfWork
from fengqiao.services.runtime import engine
from tests.drive import register, timeline_of
from tests.factories import a_new_case
from tests.processes import BIN, case_run_in, flow_run_state, start_prefect_and_worker, wait_for


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_waiting_case_survives_a_restart_of_every_process(network, processes, tmp_path):
    case_no, case_id = register(a_new_case(channel_ref="RESTART-1"))
    start_prefect_and_worker(processes)

    run_id = str(wait_for("the case's run to suspend while mediating", case_run_in(processes, case_id, "Suspended")))
    processes.kill_all()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{processes.port}/api/health")  # type: ignore[attr-defined]

    start_prefect_and_worker(processes)
    assert flow_run_state(processes, run_id) == "Suspended"
    file_papers(case_no, "agreement", actor="M-C01")  # what the case file needs before an agreement
    outcome = subprocess.run(
        [str(BIN / "fengqiao"), "outcome", case_no, "--result", "agreement", "--actor", "M-C01"],
        env=processes.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert f"已记录 recorded: {case_no} outcome #1 = agreement" in outcome.stdout

    wait_for("the case to close", lambda: timeline_of(case_id)[-1][2] == "closed")
    assert [row[:6] for row in timeline_of(case_id)] == [
        (1, None, "received", "intake", None, "channel:grid"),
        (2, "received", "triaged", "triage", None, "fengqiao"),
        (3, "triaged", "mediating", "assignment", "C-ZHAOYANG", "fengqiao"),
        (4, "mediating", "mediating", "session", "C-ZHAOYANG", "M-C01"),
        (5, "mediating", "resolved", "resolution", "C-ZHAOYANG", "M-C01"),
        (6, "resolved", "closed", "closing", "C-ZHAOYANG", "fengqiao"),
    ]
    assert wait_for("the run to complete", lambda: flow_run_state(processes, run_id) == "Completed")
    with UnitOfWork(engine()) as uow:
        assert flow_runs.case_flow_run(uow.conn, case_id)[1] is False  # the case's run has let it go


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_worker_killed_mid_step_leaves_nothing_half_done(network, processes):
    """The worker dies inside the triage step: the step's transaction is lost whole, Prefect still
    says RUNNING, and the next worker's sweep declares the run dead (Crashed) and schedules the same
    run again: one run per case in the monitor, its history telling what happened."""
    case_no, case_id = register(a_new_case(channel_ref="MIDSTEP-1"))
    blocker = engine().connect()
    blocker.begin()
    blocker.execute(text("LOCK TABLE transitions IN EXCLUSIVE MODE"))  # triage will block on its INSERT
    try:
        start_prefect_and_worker(processes)

        first_run = str(wait_for("the case's run to be running", case_run_in(processes, case_id, "Running")))
        time.sleep(3)  # inside triage, waiting for the lock
        processes.kill("worker")
    finally:
        blocker.rollback()
        blocker.close()
    assert flow_run_state(processes, first_run) == "Running"  # Prefect cannot know the process died

    processes.start("worker", str(BIN / "fengqiao"), "worker")

    wait_for("the same run to take the case to its wait", case_run_in(processes, case_id, "Suspended"), timeout=300)
    port = processes.port  # type: ignore[attr-defined]
    history = httpx.get(f"http://127.0.0.1:{port}/api/flow_run_states/", params={"flow_run_id": first_run}).json()
    named = httpx.post(
        f"http://127.0.0.1:{port}/api/flow_runs/filter",
        json={"flow_runs": {"name": {"any_": [f"case-{case_no}"]}}},
    ).json()

    states = [s["name"] for s in sorted(history, key=lambda s: s["timestamp"])]
    crashed = states.index("Crashed")
    assert states[crashed - 1] == "Running" and states[crashed + 1] == "Scheduled", states
    assert states[-1] == "Suspended" and "Completed" not in states
    assert [r["id"] for r in named] == [first_run]
    assert [row[:6] for row in timeline_of(case_id)] == [
        (1, None, "received", "intake", None, "channel:grid"),
        (2, "received", "triaged", "triage", None, "fengqiao"),
        (3, "triaged", "mediating", "assignment", "C-ZHAOYANG", "fengqiao"),
    ]
    with UnitOfWork(engine()) as uow:
        assert flow_runs.case_flow_run(uow.conn, case_id) == (first_run, True)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_dead_workers_run_is_handed_on_by_its_heartbeat_on_the_work_pool(network, processes):
    """A worker SIGKILLed mid-step stops beating on the work pool; another worker's sweep sees that
    (the run's own staleness limit is set far away, so only the worker's heartbeat can tell) and
    schedules the run again, which the live worker takes to the case's wait."""
    processes.env.update(
        FENGQIAO_STALE_RUN_SECONDS="3600", FENGQIAO_WORKER_HEARTBEAT_SECONDS="5", FENGQIAO_WORKER_DEAD_SECONDS="20"
    )
    _, case_id = register(a_new_case(channel_ref="DEADWORKER-1"))
    blocker = engine().connect()
    blocker.begin()
    blocker.execute(text("LOCK TABLE transitions IN EXCLUSIVE MODE"))  # triage will block on its INSERT
    try:
        start_prefect_and_worker(processes)
        dead_pid = processes.running["worker"].pid
        run = str(wait_for("the case's run to be running", case_run_in(processes, case_id, "Running")))
        time.sleep(3)  # inside triage, waiting for the lock
        processes.kill("worker")
        killed_at = time.monotonic()
    finally:
        blocker.rollback()
        blocker.close()
    processes.start("worker-b", str(BIN / "fengqiao"), "worker")

    wait_for("the run to reach the case's wait", case_run_in(processes, case_id, "Suspended"), timeout=240)
    print(f"killed → the same run suspended at the wait: {time.monotonic() - killed_at:.1f} s")
    port = processes.port  # type: ignore[attr-defined]
    history = httpx.get(f"http://127.0.0.1:{port}/api/flow_run_states/", params={"flow_run_id": run}).json()
    crashed = [s["message"] for s in history if s["name"] == "Crashed"]

    assert len(crashed) == 1 and crashed[0].startswith("fengqiao sweep: its worker fengqiao-"), crashed
    assert f"-{dead_pid} sent no heartbeat since " in crashed[0]
    assert [row[2:4] for row in timeline_of(case_id)] == [
        ("received", "intake"),
        ("triaged", "triage"),
        ("mediating", "assignment"),
    ]
