"""The intake outbox: intake stores the case and answers 202 without asking Prefect; a worker starts
the case's one run as soon as it can (at once when Prefect is up, when Prefect returns when not)."""

from __future__ import annotations

import httpx

from fengqiao.db import flow_runs
from fengqiao.db.uow import UnitOfWork
from fengqiao.runs.sweep import start_new_cases
from fengqiao.services.intake import flow_run_of
from fengqiao.services.runtime import engine
from tests.factories import a_key, example_of
from tests.processes import BIN, free_port, wait_for

http = httpx.Client(timeout=60.0)
V1 = "/api/v1"


def test_intake_starts_no_run_and_the_outbox_starts_exactly_one(api):
    accepted = api.post(f"{V1}/intake/walk_in", json=example_of("walk_in"), headers=a_key("integrator"))
    case_id = accepted.json()["case_id"]
    with UnitOfWork(engine()) as uow:
        waiting = flow_runs.cases_without_runs(uow.conn)

    first, again = start_new_cases(), start_new_cases()

    assert (accepted.status_code, accepted.json()["flow_run_id"], waiting) == (202, None, [case_id])
    assert list(first) == [case_id] and first[case_id].startswith("started ")
    assert again == {}  # the case has its run: nothing left in the outbox
    assert first[case_id] == f"started {flow_run_of(case_id)}"


def test_intake_with_prefect_down_answers_202_and_the_case_runs_once_prefect_is_back(network, processes):
    api_port = free_port()
    processes.start("serve", str(BIN / "fengqiao"), "serve", "--port", str(api_port))
    base = f"http://127.0.0.1:{api_port}{V1}"
    health = wait_for("fengqiao serve", lambda: http.get(f"{base}/health").json())
    window, centre = a_key("integrator", name="one-stop-window"), a_key("coordinator", name="centre")

    accepted = http.post(f"{base}/intake/walk_in", json=example_of("walk_in"), headers=window)
    case_id, case_no = accepted.json()["case_id"], accepted.json()["case_no"]
    before = http.get(f"{base}/cases/{case_id}", headers=centre).json()
    port = processes.port  # type: ignore[attr-defined]
    processes.start("prefect", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port))
    wait_for(
        "the case's first mediation attempt",
        lambda: http.get(f"{base}/cases/{case_id}", headers=centre).json()["status"] == "mediating",
        timeout=240,
    )
    runs = http.post(
        f"http://127.0.0.1:{port}/api/flow_runs/filter", json={"flow_runs": {"name": {"any_": [f"case-{case_no}"]}}}
    ).json()

    assert (health["database"], health["prefect"].split(":")[0]) == ("ok", "unreachable")
    assert (accepted.status_code, accepted.json()["flow_run_id"], before["status"]) == (202, None, "received")
    assert [r["id"] for r in runs] == [flow_run_of(case_id)]
