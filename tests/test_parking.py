"""Poison cases (issue 12, item 9): an area no organisation serves is refused at intake; a case whose
runs keep failing is parked after FENGQIAO_MAX_STEP_FAILURES (3) in a row, with an alert, started by
nobody until a coordinator retries it (CLI or API).

The failures are real: the network is changed under the case (a new version in which no community
serves its area, the case migrated to it), so assignment cannot place it; fixing the network and
migrating back lets it go on.
"""

from __future__ import annotations

import copy
import json
import subprocess
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.config.network import load_network_file
from fengqiao.db import flow_runs
from fengqiao.db.tables import alerts, case_parkings, cases
from fengqiao.db.uow import UnitOfWork
from fengqiao.flows.case import case_flow
from fengqiao.models.errors import ConfigurationError
from fengqiao.runs.sweep import sweep_once
from fengqiao.services.intake import apply_configuration
from fengqiao.services.reconfigure import migrate_case
from fengqiao.services.runtime import engine
from tests.drive import register, timeline_of
from tests.factories import a_key, a_new_case, example_of
from tests.processes import BIN, case_run_in, start_prefect_and_worker, wait_for
from tests.test_dashboard import sign_in, text_of

V1 = "/api/v1"
runner = CliRunner()
AREA = "511502001001001"  # a_new_case's grid, in 朝阳社区 (C-ZHAOYANG, 511502001001)
ERROR = f"ConfigurationError: 区划代码{AREA}没有社区/村级调解组织 no community organisation serves area {AREA}"
WALK_IN_REFUSED = "区划代码511502没有社区/村级调解组织 no community organisation of the network serves area 511502"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def break_network_under(case_no: str) -> int:
    """Version 2: 朝阳社区 moved to another code, so no community serves the case's area; the case migrated to it."""
    doc = copy.deepcopy(load_network_file())
    for org in doc["organisations"]:
        if org["code"] == "C-ZHAOYANG":
            org["area_code"] = "511502001009"
    version = apply_configuration(doc, source="no-zhaoyang.yaml")
    migrate_case(case_no, version, actor="admin", note="朝阳社区区划调整")
    return version


def fix_network_under(case_no: str) -> None:
    """The shipped network again (version 1, re-applied), and the case migrated back to it."""
    version = apply_configuration()
    migrate_case(case_no, version, actor="admin", note="朝阳社区恢复")


def parking_columns(case_id: int) -> tuple[Any, ...]:
    with UnitOfWork(engine()) as uow:
        row = uow.conn.execute(
            select(cases.c.step_failures, cases.c.last_step_error, cases.c.parked_at).where(cases.c.id == case_id)
        ).one()
    return (row.step_failures, row.last_step_error, row.parked_at is not None)


def hand_over(case_id: int) -> None:
    """What the sweep does with a failed run before it starts the next: release the case from it."""
    with UnitOfWork(engine()) as uow:
        run_id, _ = flow_runs.case_flow_run(uow.conn, case_id)
        if run_id:
            flow_runs.release_case(uow.conn, case_id, run_id)
        uow.commit()


def fail_runs(case_id: int, times: int) -> None:
    """Run the case's flow here, `times` times, each a new run after the last one failed."""
    for _ in range(times):
        hand_over(case_id)
        with pytest.raises(ConfigurationError, match=f"no community organisation serves area {AREA}"):
            case_flow(case_id)


def parked_case() -> tuple[str, int]:
    case_no, case_id = register(a_new_case(channel_ref="POISON-1"))
    break_network_under(case_no)
    fail_runs(case_id, 3)
    return case_no, case_id


def alert_rows() -> list[tuple[Any, ...]]:
    with UnitOfWork(engine()) as uow:
        rows = uow.conn.execute(
            select(
                alerts.c.kind,
                alerts.c.subject,
                alerts.c.area_code,
                alerts.c.case_ids,
                alerts.c.reason,
                alerts.c.acknowledged_by,
                alerts.c.note,
            ).order_by(alerts.c.id)
        ).all()
    return [tuple(r) for r in rows]


def parking_audit(case_id: int) -> list[tuple[Any, ...]]:
    with UnitOfWork(engine()) as uow:
        rows = uow.conn.execute(
            select(
                case_parkings.c.failures,
                case_parkings.c.error,
                case_parkings.c.released_by,
                case_parkings.c.release_reason,
                case_parkings.c.released_at.is_not(None),
            )
            .where(case_parkings.c.case_id == case_id)
            .order_by(case_parkings.c.id)
        ).all()
    return [tuple(r) for r in rows]


def parked_alert(case_no: str, *, by: str | None = None, note: str | None = None) -> tuple[Any, ...]:
    reason = f"{case_no} 连续3次步骤失败，已暂停: parked after 3 failed runs in a row: {ERROR}"
    return ("case_parked", case_no, AREA, [1], reason, by, note)


# --- refused at intake ---------------------------------------------------------------------------
def test_a_walk_in_whose_area_no_community_serves_is_refused_by_the_api(api):
    record = {k: v for k, v in example_of("walk_in").items() if k != "area_code"}  # the window's 511502 only

    answer = api.post(f"{V1}/intake/walk_in", json=record, headers=a_key("integrator"))

    assert (answer.status_code, answer.json()) == (
        422,
        {
            "error": {
                "code": "invalid_input",
                "message": f"record YB-CP-ZX-20261105-021, field window_area_code: {WALK_IN_REFUSED}",
                "field": "window_area_code",
            }
        },
    )
    with UnitOfWork(engine()) as uow:
        assert uow.conn.execute(select(cases.c.id)).all() == []


def test_a_walk_in_whose_area_no_community_serves_is_one_rejected_line_on_the_command_line(network, tmp_path):
    record = {k: v for k, v in example_of("walk_in").items() if k != "area_code"}
    file = tmp_path / "walk_in.jsonl"
    file.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")

    code, out = run("intake", str(file), "--channel", "walk_in", "--no-start-flows")

    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("rejected")] == [
        f"rejected 拒收 record walk_in.jsonl:1, field window_area_code: {WALK_IN_REFUSED}"
    ]
    assert "登记 0 new, 0 suspected duplicates, 0 already registered, 1 rejected" in out


# --- counted, parked, retried (in this process) --------------------------------------------------
def test_failed_runs_are_counted_on_the_case_and_a_step_that_succeeds_clears_them(network):
    case_no, case_id = register(a_new_case(channel_ref="POISON-2"))
    break_network_under(case_no)

    fail_runs(case_id, 2)
    assert parking_columns(case_id) == (2, ERROR, False)
    assert alert_rows() == []

    fix_network_under(case_no)
    hand_over(case_id)
    assert case_flow(case_id) == "waiting:outcome"
    assert parking_columns(case_id) == (0, None, False)
    assert [row[2:4] for row in timeline_of(case_id)] == [
        ("received", "intake"),
        ("received", "reconfiguration"),
        ("triaged", "triage"),  # the first failed run triaged it, then could not assign it
        ("triaged", "reconfiguration"),
        ("mediating", "assignment"),
    ]


def test_a_case_failing_every_run_is_parked_at_the_third_left_by_the_sweep_and_retried(network):
    case_no, case_id = parked_case()

    assert parking_columns(case_id) == (3, ERROR, True)
    assert alert_rows() == [parked_alert(case_no)]
    assert parking_audit(case_id) == [(3, ERROR, None, None, False)]
    hand_over(case_id)
    assert case_flow(case_id) == "not-owner"  # no run drives a parked case, even one the case is free for
    assert parking_columns(case_id) == (3, ERROR, True)
    assert sweep_once() == {}  # nothing started for it
    assert [row[2:4] for row in timeline_of(case_id)][-1] == ("triaged", "triage")  # parking is no transition

    code, shown = run("case", case_no, "--json")
    assert code == 0
    parked = json.loads(shown)["parked"]
    assert (parked["failures"], parked["error"]) == (3, ERROR)
    code, shown = run("case", case_no)
    assert code == 0 and f"after 3 failed runs: {ERROR}" in " ".join(shown.split())

    assert run("case", "retry", case_no)[0] == 2  # --reason is required
    fix_network_under(case_no)
    code, out = run("case", "retry", case_no, "--reason", "网络已修复", "--actor", "协调员王")
    lines = out.splitlines()
    assert code == 0, out
    assert lines[0] == f"已恢复 retried: {case_no} (parked after 3 failed runs: {ERROR})"
    assert lines[1].startswith("流程 flow run: restarted ")  # its failed run handed over to a new one
    assert parking_columns(case_id) == (0, None, False)
    assert parking_audit(case_id) == [(3, ERROR, "协调员王", "网络已修复", True)]
    assert alert_rows() == [parked_alert(case_no, by="协调员王", note="retry: 网络已修复")]

    assert run("case", "retry", case_no, "--reason", "again") == (
        1,
        f"not_parked: 案件 {case_no} 未挂起，无需重试 case {case_no} is not parked: nothing to retry\n",
    )
    assert run("case", "retry", "FQ20269999999", "--reason", "x") == (
        1,
        "case_not_found: 没有案件 no case 'FQ20269999999'\n",
    )


# --- the API and the board -----------------------------------------------------------------------
def test_coordinators_and_administrators_retry_a_parked_case_through_the_api(api):
    case_no, case_id = parked_case()
    other_no, other_id = register(a_new_case(channel_ref="FINE-1", area_code="511502002001001"))
    coordinator = a_key("coordinator", name="centre")

    shown = api.get(f"{V1}/cases/{case_id}", headers=coordinator).json()
    assert {k: shown["parked"][k] for k in ("failures", "error")} == {"failures": 3, "error": ERROR}
    assert shown["status"] == "triaged"  # parking is a flag beside the status
    assert api.get(f"{V1}/cases/{other_id}", headers=coordinator).json()["parked"] is None

    sign_in(api)
    board = api.get("/dashboard/")
    assert f'data-case="{case_no}"' in board.text and 'id="parked-total">1<' in board.text
    row = next(r for r in board.text.split("<tr") if f'data-case="{case_no}"' in r)
    assert 'class="parked"' in row and "暂停 parked" in text_of(row)
    assert "暂停 parked" not in text_of(next(r for r in board.text.split("<tr") if f'data-case="{other_no}"' in r))

    retry = f"{V1}/cases/{case_id}/retry"
    refused = [
        api.post(retry, json={"reason": "x"}, headers=a_key(role)).status_code for role in ("integrator", "mediator")
    ]
    elsewhere = api.post(retry, json={"reason": "x"}, headers=a_key("coordinator", areas=("511503",)))
    no_reason = api.post(retry, json={}, headers=coordinator)
    blank = api.post(retry, json={"reason": "   "}, headers=coordinator)
    assert refused == [403, 403]
    assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (404, "case_not_found")
    assert (no_reason.status_code, no_reason.json()["error"]["field"]) == (422, "reason")
    assert (blank.status_code, blank.json()["error"]) == (
        422,
        {
            "code": "invalid_input",
            "message": "field reason: 须写明重试原因，1至500个可打印字符 say why the case is retried, in 1 to 500 printable characters",
            "field": "reason",
        },
    )
    assert parking_columns(case_id)[2] is True  # none of those released it

    done = api.post(retry, json={"reason": "网络已修复"}, headers=coordinator)
    assert done.status_code == 200
    body = done.json()
    assert {k: v for k, v in body.items() if k != "released"} == {
        "case_id": case_id,
        "case_no": case_no,
        "status": "triaged",
        "retried_by": "centre",
        "reason": "网络已修复",
    }
    assert {k: body["released"][k] for k in ("failures", "error")} == {"failures": 3, "error": ERROR}
    assert parking_audit(case_id) == [(3, ERROR, "centre", "网络已修复", True)]
    assert api.get(f"{V1}/cases/{case_id}", headers=coordinator).json()["parked"] is None
    assert 'id="parked-total"' not in api.get("/dashboard/").text

    not_parked = {
        "error": {
            "code": "not_parked",
            "message": f"案件 {case_no} 未挂起，无需重试 case {case_no} is not parked: nothing to retry",
            "field": "case",
        }
    }
    for key in (coordinator, a_key("admin")):
        again = api.post(retry, json={"reason": "again"}, headers=key)
        assert (again.status_code, again.json()) == (409, not_parked)


# --- end to end: the worker's sweep, real Prefect runs -------------------------------------------
def case_runs(port: int, case_no: str) -> list[str]:
    """The state of every Prefect flow run named case-<case_no>, oldest first."""
    found = httpx.post(
        f"http://127.0.0.1:{port}/api/flow_runs/filter",
        json={"flow_runs": {"name": {"any_": [f"case-{case_no}"]}}, "sort": "EXPECTED_START_TIME_ASC"},
        timeout=30,
    ).json()
    return [r["state"]["name"] for r in found]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_the_worker_stops_starting_runs_for_a_parked_case_and_a_retry_lets_it_go_on(network, processes):
    case_no, case_id = register(a_new_case(channel_ref="POISON-E2E"))
    break_network_under(case_no)
    start_prefect_and_worker(processes)
    port = processes.port  # type: ignore[attr-defined]

    wait_for("the case to be parked", lambda: parking_columns(case_id)[2], timeout=300)
    time.sleep(10)  # five more sweeps (every 2 s): none may start a run
    assert case_runs(port, case_no) == ["Failed", "Failed", "Failed"]
    assert parking_columns(case_id) == (3, ERROR, True)
    assert alert_rows() == [parked_alert(case_no)]

    fix_network_under(case_no)
    retried = subprocess.run(
        [str(BIN / "fengqiao"), "case", "retry", case_no, "--reason", "网络已修复", "--actor", "协调员王"],
        env=processes.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert f"已恢复 retried: {case_no} (parked after 3 failed runs: {ERROR})" in retried.stdout

    wait_for("the case's new run to wait for the outcome", case_run_in(processes, case_id, "Suspended"), timeout=180)
    assert case_runs(port, case_no) == ["Failed", "Failed", "Failed", "Suspended"]
    assert [row[2:5] for row in timeline_of(case_id)] == [
        ("received", "intake", None),
        ("received", "reconfiguration", None),
        ("triaged", "triage", None),
        ("triaged", "reconfiguration", None),
        ("mediating", "assignment", "C-ZHAOYANG"),
    ]
    assert parking_columns(case_id) == (0, None, False)
