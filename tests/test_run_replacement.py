"""One run per case where Prefect allows it; where a second is unavoidable (the first ended Failed
or Cancelled), the case page and GET /cases/{id} list both, in order, and the first says why it
was replaced (issue 14 item 5). Prefect's UI says it too: the ended run's logs and labels name the
run that took the case over (a final state is not rewritten), and the new run names the old one."""

from __future__ import annotations

import re
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.states import Failed

from fengqiao.config.settings import get_settings
from fengqiao.db import flow_runs
from fengqiao.db.uow import UnitOfWork
from fengqiao.runs.launch import how_it_ended, start_case_flow, wake_case
from fengqiao.services.case_reads import case_route
from fengqiao.services.runtime import engine, now
from tests.drive import register
from tests.factories import a_key, a_new_case
from tests.test_dashboard import sign_in, text_of

UI = "http://127.0.0.1:4200"
WHY = (
    "Flow run encountered an exception: ConfigurationError: "
    "区划代码511502099没有社区/村级调解组织 no community organisation serves area 511502099"
)


def test_a_failed_run_is_replaced_and_the_case_page_and_the_api_show_both_with_why(api, case_runs, monkeypatch):
    monkeypatch.setenv("FENGQIAO_PREFECT_UI_URL", UI)
    get_settings.cache_clear()
    case_no, case_id = register(a_new_case(channel_ref="REPLACED-1"))
    case_runs.append(first := wake_case(case_id).removeprefix("started "))
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(first), Failed(message=WHY), force=True)

    woken = wake_case(case_id)
    case_runs.append(second := woken.removeprefix("restarted "))
    # every worker's sweep may decide the same at once: the same run, listed and noted once
    again = start_case_flow(case_route(case_id).case, replacing=how_it_ended(first))

    answer = api.get(f"/api/v1/cases/{case_id}", headers=a_key("coordinator", name="reader"))
    sign_in(api)
    html = api.get(f"/dashboard/cases/{case_no}").text
    with get_client(sync_client=True) as client:
        old, new = client.read_flow_run(UUID(first)), client.read_flow_run(UUID(second))
        logged = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(first)])), limit=200, offset=0)

    assert (woken.startswith("restarted "), again, second != first) == (True, second, True)
    detail = answer.json()
    assert detail["flow_run_id"] == second
    runs = [{k: v for k, v in r.items() if k not in ("recorded_at", "replaced_at")} for r in detail["runs"]]
    assert runs == [
        {"flow_run_id": first, "replaced_by": second, "ended_as": "Failed", "ended_message": WHY},
        {"flow_run_id": second, "replaced_by": None, "ended_as": None, "ended_message": None},
    ]
    assert detail["runs"][0]["replaced_at"] is not None and detail["runs"][1]["replaced_at"] is None
    listed = re.search(r'<dd id="flow-runs"><ol>(.*?)</ol>', html, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r'<li data-run="([^"]+)">\s*<a href="([^"]+)"', listed) == [
        (first, f"{UI}/runs/flow-run/{first}"),
        (second, f"{UI}/runs/flow-run/{second}"),
    ]
    items = [text_of(li) for li in re.findall(r"<li .*?</li>", listed, re.S)]
    assert f"— 已由新运行接替 replaced by {second[:8]} " in items[0]
    assert items[0].endswith(f": 运行结束 it ended Failed: {WHY}")
    assert items[1].endswith("— 当前 current")
    said = [log.message for log in logged if log.name == "fengqiao"]
    assert said == [
        f"fengqiao: 已由新的流程运行接替 handed on to flow run {second} (case-{case_no}): this run ended Failed: {WHY}"
    ]
    assert (old.labels.get("fengqiao.replaced-by"), new.labels.get("fengqiao.replaces")) == (second, first)
    assert (old.name, new.name) == (f"case-{case_no}", f"case-{case_no}")


def test_a_case_with_one_run_lists_it_without_a_history_on_its_page(api, case_runs):
    case_no, case_id = register(a_new_case(channel_ref="REPLACED-2"))
    case_runs.append(run := wake_case(case_id).removeprefix("started "))

    answer = api.get(f"/api/v1/cases/{case_id}", headers=a_key("coordinator", name="reader"))
    sign_in(api)
    html = api.get(f"/dashboard/cases/{case_no}").text

    assert [r["flow_run_id"] for r in answer.json()["runs"]] == [run]
    assert 'id="flow-runs"' not in html


def test_a_run_that_claimed_the_case_first_is_listed_once_and_its_replacement_takes_over(network):
    """A worker may start the new run and claim the case before its creator records it; a
    replacement takes the case over from the ended run it names in the transaction that records it
    (no moment where no run holds the case), and a different run is still refused."""
    _, case_id = register(a_new_case(channel_ref="REPLACED-3"))
    with UnitOfWork(engine()) as uow:
        claimed = flow_runs.claim_case(uow.conn, case_id, "run-a")
        recorded = flow_runs.record_flow_run(uow.conn, case_id, "run-a", at=now())
        recorded_again = flow_runs.record_flow_run(uow.conn, case_id, "run-a", at=now())
        other = flow_runs.record_flow_run(uow.conn, case_id, "run-x", at=now())
        replaced = flow_runs.record_flow_run(
            uow.conn, case_id, "run-b", at=now(), replacing=flow_runs.Ended("run-a", "Cancelled", "")
        )
        listed = [
            (r.flow_run_id, r.replaced_by, r.ended_as, r.ended_message) for r in flow_runs.runs_of(uow.conn, case_id)
        ]
        uow.commit()

    assert (claimed, recorded, recorded_again, other, replaced) == (True, True, False, False, True)
    assert listed == [("run-a", "run-b", "Cancelled", ""), ("run-b", None, None, None)]
