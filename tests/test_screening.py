"""Screening sessions (矛盾纠纷排查): recorded through the CLI, the API and the dashboard, counted in the figures."""

from __future__ import annotations

import json
import re

from fengqiao.models.clocks import CST
from fengqiao.services.runtime import now
from tests.drive import register
from tests.factories import a_key, a_new_case
from tests.test_cli import EXAMPLES, run
from tests.test_dashboard import sign_in

V1 = "/api/v1"


def _today() -> str:
    return now().astimezone(CST).date().isoformat()


def test_sessions_from_the_cli_the_api_and_the_dashboard_are_counted_in_the_month_they_were_held(api):
    month = _today()[:7]
    first, _ = register(a_new_case(channel_ref="SC-1"))
    second, _ = register(a_new_case(channel_ref="SC-2", area_code="511503001001"))
    recorded = run(
        "screening", "record", "--on", _today(), "--area", "511502001001", "--place", "朝阳社区1-8栋",
        "--by", "王调解、网格员李四", "--found", "3", "--prevented", "1", "--org", "C-ZHAOYANG", "--case", first,
    )  # fmt: skip
    nanxi = a_key("coordinator", name="nanxi", areas=("511503",))
    posted = api.post(
        f"{V1}/screenings",
        json={
            "held_on": _today(),
            "area_code": "511503001",
            "place": "南溪街道集贸市场",
            "screened_by": "南溪街道调委会",
            "disputes_found": 2,
            "disputes_prevented": 4,
            "cases": [second],
        },
        headers=nanxi,
    )
    sign_in(api)
    token = re.search(r'name="csrf" value="(\w+)"', api.get("/dashboard/screenings").text).group(1)
    formed = api.post(
        "/dashboard/screenings",
        data={
            "csrf": token,
            "held_on": "2026-01-15",
            "area_code": "511502002",
            "place": "翠屏街道",
            "screened_by": "街道调委会",
            "disputes_found": "0",
            "disputes_prevented": "2",
        },
        follow_redirects=False,
    )

    city = api.get(f"{V1}/stats", params={"from": month, "to": month}, headers=a_key("coordinator", name="city")).json()
    cuiping = json.loads(run("stats", "--json", "--from", month, "--to", month, "--region", "511502")[1])
    january = json.loads(run("stats", "--json", "--from", "2026-01", "--to", "2026-01")[1])
    listed = api.get(f"{V1}/screenings", params={"month": month}, headers=nanxi).json()
    page = api.get("/dashboard/screenings", params={"month": month}).text
    report = api.get("/dashboard/report", params={"month": month}).text

    assert recorded == (
        0,
        f"已记录 recorded: 排查 screening #1 {_today()} 511502001001 · 发现 found 3 · 预防 prevented 1 · 关联案件 cases 1\n",
    )
    assert posted.status_code == 201 and posted.json()["id"] == 2 and posted.json()["actor"] == "nanxi"
    assert (formed.status_code, formed.headers["location"]) == (303, "/dashboard/screenings?month=2026-01&done=3")
    assert city["screening"] == {"sessions": 2, "disputes_found": 5, "disputes_prevented": 5, "cases_registered": 2}
    assert cuiping["screening"] == {"sessions": 1, "disputes_found": 3, "disputes_prevented": 1, "cases_registered": 1}
    assert january["screening"] == {"sessions": 1, "disputes_found": 0, "disputes_prevented": 2, "cases_registered": 0}
    assert city["definitions"]["screening.disputes_prevented"]["label"] == "预防纠纷 disputes prevented"
    assert [(s["id"], s["area_code"], s["cases"]) for s in listed] == [(2, "511503001", [second])]  # its jurisdiction
    assert dict(re.findall(r'id="kpi-(sessions|found|prevented)"><b>(\d+)</b>', page)) == {
        "sessions": "2",
        "found": "5",
        "prevented": "5",
    }
    assert "本月开展矛盾纠纷排查 <b>2</b> 次，发现纠纷 <b>5</b> 件（登记为案件 2 件），预防纠纷 <b>5</b> 件。" in report


def test_a_session_that_does_not_add_up_or_lies_outside_is_refused_naming_the_field(api):
    case_no, _ = register(a_new_case(channel_ref="SC-X"))
    nanxi = a_key("coordinator", name="nanxi", areas=("511503",))
    good = {
        "held_on": _today(),
        "area_code": "511503001",
        "place": "南溪街道",
        "screened_by": "调委会",
        "disputes_found": 1,
    }

    def refused(headers: dict[str, str] | None = None, **changes: object) -> tuple[int, str | None, str]:
        answer = api.post(f"{V1}/screenings", json=good | changes, headers=headers or nanxi)
        error = answer.json()["error"]
        return answer.status_code, error["field"], error["message"]

    more_cases = run(
        "screening", "record", "--on", _today(), "--area", "511502001", "--place", "x", "--by", "y",
        "--found", "0", "--case", case_no,
    )  # fmt: skip
    linked = run(
        "screening", "record", "--on", _today(), "--area", "511502001", "--place", "x", "--by", "y",
        "--found", "1", "--case", case_no,
    )  # fmt: skip
    again = run(
        "screening", "record", "--on", _today(), "--area", "511502001", "--place", "x", "--by", "y",
        "--found", "1", "--case", case_no,
    )  # fmt: skip

    assert more_cases == (
        1,
        "invalid_input: field disputes_found: 排查发现纠纷 0 件，少于关联案件 1 件: 1 cases linked but only 0 "
        "disputes found\n",
    )
    assert linked[0] == 0
    assert again == (
        1,
        f"invalid_input: field cases: 案件 {case_no} 已关联排查 1 case {case_no} is already linked to screening 1\n",
    )
    assert refused(area_code="511502001") == (
        422,
        "area_code",
        "field area_code: 区域 511502001 不在密钥 nanxi 的辖区内 area 511502001 is outside the jurisdiction of key nanxi",
    )
    assert refused(area_code="999999") == (
        422,
        "area_code",
        "field area_code: 调解网络中没有组织服务区划代码999999 no organisation of the network serves area 999999",
    )
    assert refused(held_on="2199-01-01")[:2] == (422, "held_on")
    assert refused(cases=["FQ20269999999"])[:2] == (404, "cases")
    assert refused(disputes_found=-1)[:2] == (422, "disputes_found")


def test_a_ledger_imported_as_a_sessions_links_the_cases_it_registers_within_the_disputes_found(network, tmp_path):
    ledger = EXAMPLES / "screening_ledger.csv"
    header, *rows = ledger.read_text(encoding="utf-8").splitlines()
    other = tmp_path / "ledger2.csv"
    other.write_text("\n".join([header, *(r.replace("-00", "-10") for r in rows)]) + "\n", encoding="utf-8")
    sweep = ("screening", "record", "--on", _today(), "--area", "511502002001", "--place", "白沙村", "--by", "张勇")

    assert run(*sweep, "--found", "2")[0] == 0
    assert run(*sweep, "--found", "1")[0] == 0
    imported = run("intake", str(ledger), "--channel", "grid", "--no-start-flows", "--screening", "1")
    again = run("intake", str(ledger), "--channel", "grid", "--no-start-flows", "--screening", "1")
    too_many = run("intake", str(other), "--channel", "grid", "--no-start-flows", "--screening", "2")
    missing = run("intake", str(other), "--channel", "grid", "--no-start-flows", "--screening", "9")
    listed = run("screening", "list")[1]
    month = _today()[:7]
    swept = json.loads(run("stats", "--json", "--from", month, "--to", month)[1])["screening"]

    assert imported[0] == 0 and "登记 2 new, 0 suspected duplicates" in imported[1]
    assert imported[1].endswith("关联排查 linked to screening #1: 2 cases\n")
    assert again[0] == 0 and again[1].endswith(
        "登记 0 new, 0 suspected duplicates, 2 already registered, 0 rejected\n关联排查 linked to screening #1: 0 cases\n"
    )
    assert too_many[0] == 1 and too_many[1].endswith(
        "invalid_input: record screening 2, field disputes_found: 排查 #2 发现纠纷 1 件，已关联 0 件，本台账又登记 2 件: "
        "screening #2 found 1 disputes, 0 cases are linked to it and this ledger registered 2 more\n"
    )
    assert missing == (1, "invalid_input: field screening: 没有排查 #9 no screening session #9\n")
    assert "FQ20260000001 FQ20260000002" in listed and "FQ20260000003" not in listed  # the refused ledger wrote nothing
    assert swept == {"sessions": 2, "disputes_found": 3, "disputes_prevented": 0, "cases_registered": 2}


def test_the_screening_page_opens_on_the_month_of_the_latest_sweep_in_the_viewers_jurisdiction(api):
    run(
        "screening", "record", "--on", "2026-01-15", "--area", "511502001001", "--place", "朝阳社区1-8栋",
        "--by", "王调解", "--found", "1", "--prevented", "0",
    )  # fmt: skip
    run(
        "screening", "record", "--on", "2026-03-02", "--area", "511503001", "--place", "南溪街道集贸市场",
        "--by", "南溪街道调委会", "--found", "2", "--prevented", "1",
    )  # fmt: skip

    sign_in(api, "coordinator", name="cuiping", areas=("511502",))
    opened = api.get("/dashboard/screenings").text

    assert '<input name="month" type="month" value="2026-01">' in opened  # its own sweep, not 南溪's in March
    assert "朝阳社区1-8栋" in opened and "南溪街道集贸市场" not in opened
