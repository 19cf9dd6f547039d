"""Case flows in long-lived workers on a Prefect work pool (issue 14): two workers, one told to stop.

`fengqiao deploy` makes the pool and the deployments once; two `fengqiao worker` processes poll
the pool and run every execution of a case's run (the first and the resume after the mediator's
answer) in their own process. One worker is SIGTERMed while the answers are being acted on: it
takes no new run, lets its running steps finish and exits 0; nothing is paused; every case ends
as scripted, each step once, with one flow run.
"""

from __future__ import annotations

import signal
import subprocess
import time

import httpx
import pytest

from fengqiao.cli.demo_papers import answer
from fengqiao.cli.demo_scenarios import SCENARIOS
from fengqiao.db import cases as case_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.runtime import engine
from tests.drive import register, timeline_of
from tests.processes import BIN, case_run_in, wait_for
from tests.test_pipeline import EXPECTED

RESOLVED = next(s for s in SCENARIOS if s.name == "resolved_first_level")
CASES = 4


def expected_timeline(ref: str) -> list[tuple]:
    first, *rest = EXPECTED["resolved_first_level"][1]
    return [(*first[:7], f"received via grid ref {ref}"), *rest]


def prefect(port: int, method: str, path: str, body: dict | None = None) -> object:
    answer = httpx.request(method, f"http://127.0.0.1:{port}/api{path}", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json()


def status_of(case_id: int) -> str:
    with UnitOfWork(engine()) as uow:
        return str(case_store.get_case(uow.conn, case_id).status)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_two_workers_one_stopped_mid_run_every_case_ends_as_scripted(network, processes):
    port = processes.port  # type: ignore[attr-defined]
    processes.start("prefect", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port))
    wait_for("the Prefect server", lambda: httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200)
    deployed = subprocess.run(
        [str(BIN / "fengqiao"), "deploy"], env=processes.env, capture_output=True, text=True, timeout=300
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "fengqiao.flows.case.case_flow" in deployed.stdout
    workers = {name: processes.start(name, str(BIN / "fengqiao"), "worker") for name in ("worker-a", "worker-b")}
    wait_for(  # both beat on the pool: the UI's work-pool page shows each
        "both workers on the pool",
        lambda: (
            len(prefect(port, "POST", "/work_pools/fengqiao-cases/workers/filter", {"limit": 10, "offset": 0})) == 2
        ),
    )
    cases = [register(RESOLVED.intake_record(channel_ref=f"W-{n}", n=n)) for n in range(CASES)]

    for _, case_id in cases:  # the sweep starts each case; a worker runs it until it waits
        wait_for("the case to wait for its outcome", case_run_in(processes, case_id, "Suspended"), timeout=300)
    # both beat on the pool while they run (a stopped worker's row may go: it beats every 10 s)
    seen = prefect(port, "POST", "/work_pools/fengqiao-cases/workers/filter", {"limit": 10, "offset": 0})
    for case_no, _ in cases:
        answer(case_no, InputKind.OUTCOME, "agreement", actor="M-C01")  # after the papers the case file needs
    workers["worker-a"].send_signal(signal.SIGTERM)  # the sweeps are resuming the runs now

    assert workers["worker-a"].wait(timeout=60) == 0
    for _, case_id in cases:
        wait_for("the case to close", lambda case_id=case_id: status_of(case_id) == "closed", timeout=300)

    for n, (case_no, case_id) in enumerate(cases):
        assert timeline_of(case_id) == expected_timeline(f"W-{n}")
        runs = prefect(port, "POST", "/flow_runs/filter", {"flow_runs": {"name": {"any_": [f"case-{case_no}"]}}})
        assert [r["state"]["name"] for r in runs] == ["Completed"]  # one run per case, as the monitor shows
        assert int(runs[0]["infrastructure_pid"]) in {w.pid for w in workers.values()}  # run in a worker's own process
    pool = prefect(port, "GET", "/work_pools/fengqiao-cases")
    deployments = [
        prefect(port, "GET", f"/deployments/name/{name}") for name in ("case-flow/case", "deadline-sweep/daily")
    ]
    assert (pool["type"], pool["is_paused"]) == ("fengqiao-inprocess", False)
    assert [(d["paused"], d["entrypoint"], sorted(d["tags"])) for d in deployments] == [
        (False, "fengqiao.flows.case.case_flow", []),
        (False, "fengqiao.flows.deadlines.deadline_sweep", ["fengqiao", "sweep:deadlines"]),
    ]
    assert len(seen) == 2  # both workers sent heartbeats to the pool


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_worker_started_before_prefect_waits_for_it_then_runs_the_cases(network, processes):
    """Prefect unreachable when the worker starts (or for a while later): the worker does not exit;
    it deploys and takes the pool's runs once Prefect answers."""
    port = processes.port  # type: ignore[attr-defined]
    worker = processes.start("worker", str(BIN / "fengqiao"), "worker")
    _, case_id = register(RESOLVED.intake_record(channel_ref="W-EARLY", n=9))

    time.sleep(10)  # Prefect is not there yet: the worker retries
    assert worker.poll() is None
    processes.start("prefect", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port))

    wait_for("the case to wait for its outcome", case_run_in(processes, case_id, "Suspended"), timeout=300)
    assert [row[3] for row in timeline_of(case_id)] == ["intake", "triage", "assignment"]
    assert worker.poll() is None
