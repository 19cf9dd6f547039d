"""The dashboard's pages in this process, on both databases: who may look, and what each page shows."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import text

from fengqiao.db import tallies
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.clocks import CST
from fengqiao.models.vocabulary import Channel, InputKind
from fengqiao.services.runtime import engine, now
from tests.drive import drive, register, registered_month
from tests.factories import a_key, a_new_case, example_of

V1 = "/api/v1"


def sign_in(api, role: str = "coordinator", **kw) -> str:  # type: ignore[no-untyped-def]
    key = a_key(role, **kw)["Authorization"].removeprefix("Bearer ")
    answer = api.post("/dashboard/login", data={"key": key}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/dashboard/")
    return key


def hotline(n: int, **changes) -> dict:  # type: ignore[no-untyped-def]
    record = example_of("hotline_12345")
    return (
        record
        | {"ticket_id": f"YB12345-20261102-{n:05d}", "caller": {"name": f"来电人{n}", "phone": f"1380000{n:04d}"}}
        | changes
    )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_only_a_valid_coordinator_administrator_or_mediator_key_opens_the_dashboard(api):
    anonymous = api.get("/dashboard/", follow_redirects=False)
    wrong = api.post("/dashboard/login", data={"key": "fq_nope_nope"}, follow_redirects=False)
    integrator = a_key("integrator")["Authorization"].removeprefix("Bearer ")
    as_integrator = api.post("/dashboard/login", data={"key": integrator}, follow_redirects=False)
    refused = api.get("/dashboard/", follow_redirects=False)
    told = api.get(as_integrator.headers["location"])

    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/dashboard/login")
    assert (wrong.status_code, wrong.headers["location"]) == (303, "/dashboard/login?error=key")
    # no session: the sign-in page says why (a mediator signs in to its own pages: tests/test_mediator_pages.py)
    assert (as_integrator.status_code, as_integrator.headers["location"]) == (303, "/dashboard/login?error=role")
    assert "set-cookie" not in as_integrator.headers
    assert (refused.status_code, refused.headers["location"]) == (303, "/dashboard/login")
    assert (
        re.search(r'id="role-refused">([^<]+)<', told.text).group(1)
        == "此密钥不能登录：看板仅供协调中心、管理员和调解员使用。 "
    )
    with UnitOfWork(engine()) as uow:
        assert uow.conn.exec_driver_sql("SELECT count(*) FROM dashboard_sessions").scalar() == 0
    sign_in(api)
    assert api.get("/dashboard/").status_code == 200


def test_the_board_counts_open_cases_by_stage_and_level_and_filters_them(api):
    mediating_no, mediating_id = register(a_new_case(channel_ref="B-1"))
    received_no, _ = register(a_new_case(channel=Channel.PETITION, channel_ref="B-2", area_code="511503001001"))
    closed_no, closed_id = register(a_new_case(channel_ref="B-3", area_code="511502002001"))
    assert drive(mediating_no, mediating_id, []) == ["waiting:outcome"]
    assert drive(closed_no, closed_id, [(InputKind.OUTCOME, "agreement", "M-C04")])[-1] == "closed"
    sign_in(api)

    board = api.get("/dashboard/").text
    petition_only = api.get("/dashboard/board/live", params={"channel": "petition"}).text
    in_nanxi = api.get("/dashboard/board/live", params={"area": "511503"}).text

    assert re.findall(r'data-stage="(\w+)" data-level="(\w+)">(\d+)<', board) == [
        ("received", "none", "1"),
        ("mediating", "community", "1"),
    ]
    assert 'id="open-total">2<' in board
    assert re.findall(r'data-case="(\w+)" data-status="(\w+)"', board) == [
        (mediating_no, "mediating"),  # it has a due date: the most urgent first
        (received_no, "received"),
    ]
    assert 'id="open-total">1<' in petition_only and mediating_no not in petition_only
    assert re.findall(r'data-case="(\w+)"', in_nanxi) == [received_no]


def test_a_cluster_of_reports_against_one_respondent_raises_an_alert_to_acknowledge(api):
    integrator = a_key("integrator")
    numbers = [
        api.post(f"{V1}/intake/hotline_12345", json=hotline(n), headers=integrator).json()["case_no"] for n in (1, 2, 3)
    ]
    sign_in(api)

    page = text_of(api.get("/dashboard/alerts").text)
    alert_id = int(re.search(r'data-alert="(\d+)" data-kind="respondent"', api.get("/dashboard/alerts").text).group(1))
    token = re.search(r'name="csrf" value="(\w+)"', api.get("/dashboard/alerts").text).group(1)
    done = api.post(
        f"/dashboard/alerts/{alert_id}/acknowledge",
        data={"note": "已联系劳动监察", "csrf": token},
        follow_redirects=False,
    )
    after = text_of(api.get("/dashboard/alerts").text)
    history = text_of(api.get("/dashboard/alerts", params={"show": "all"}).text)

    assert "同一被申请人集中投诉 respondent" in page
    # the second and third reports are suspected duplicates of the first, which raises its risk
    assert f"{numbers[0]} 风险等级升为紧急，涉及1人: risk raised to emergency, 1 involved" in page
    assert (
        "3件报告指向被申请人 respondent 宜***********（7日内达3件即预警）: 3 reports (an alert at 3 within 7 days)"
        in page
    )
    assert all(n in page for n in numbers)
    assert done.status_code == 303
    assert "同一被申请人集中投诉" not in after and "紧急风险 emergency" in after
    assert "已由 coordinator-5115 于" in history and "已联系劳动监察" in history


def test_the_case_page_shows_masked_parties_the_timeline_and_the_clock_and_logs_the_read(api):
    case_no, case_id = register(a_new_case(channel_ref="C-1"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    sign_in(api)

    page = api.get(f"/dashboard/cases/{case_no}").text
    missing = api.get("/dashboard/cases/FQ20269999999")

    assert "张*" in page and "110101********4514" in page and "138****5678" in page and "张三" not in page
    assert re.findall(r'<tr data-seq="(\d+)"><td>\d+</td><td>[^<]+</td><td>([^<]+)</td>', page) == [
        ("1", "登记"),
        ("2", "分流"),
        ("3", "指派"),
    ]
    assert re.search(r'id="clock">开始 started \d{4}-\d\d-\d\d · 时限 30 日 days', page)
    assert missing.status_code == 404 and "没有案件 no case &#39;FQ20269999999&#39;" in missing.text
    with UnitOfWork(engine()) as uow:
        logged = uow.conn.exec_driver_sql("SELECT key_name, action FROM access_log").all()
    assert [tuple(r) for r in logged] == [("coordinator-5115", "read_masked")] * 2  # the case, and its timeline


def test_the_statistics_page_shows_the_figures_and_refuses_a_region_finer_than_a_street(api):
    case_no, case_id = register(a_new_case(channel_ref="S-1"))
    drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", "M-C01")])
    register(a_new_case(channel_ref="S-2", area_code="511503001001"))
    sign_in(api)

    page = api.get("/dashboard/stats").text
    fine = text_of(api.get("/dashboard/stats", params={"region": "511502001"}).text)
    too_fine = api.get("/dashboard/stats", params={"region": "5115020010"})

    kpis = dict(re.findall(r'id="kpi-(\w+)"><b>([^<]+)</b>', page))
    assert kpis == {
        "received": "2",
        "mediated": "1",  # the second case is not yet mediated: its flow has not run
        "agreements": "1",
        "rate": "100.0%",
        "open": "1",
        "closed": "1",
        "lowest": "100.0%",
        "days": "0.0",
        "overdue": "0",
    }
    assert re.findall(r'id="chart-channel">.*?</figure>', page, re.S)[0].count('class="bar"') == 1
    assert re.findall(
        r'data-key="(\w+)" data-value="(\d+)"', page.split('id="chart-area"')[1].split("</figure>")[0]
    ) == [
        ("511502", "1"),
        ("511503", "1"),
    ]
    assert (
        "受理 received" in fine
        and 'id="kpi-received"' in api.get("/dashboard/stats", params={"region": "511502001"}).text
    )
    assert too_fine.status_code == 422


def test_the_monthly_report_renders_for_a_month_and_prints_to_pdf(api):
    case_no, case_id = register(a_new_case(channel_ref="R-1"))
    drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", "M-C01")])
    month = registered_month(case_no)
    sign_in(api)

    page = api.get("/dashboard/report", params={"month": month}).text
    pdf = api.get("/dashboard/report.pdf", params={"month": month, "region": "511502"})

    assert "矛盾纠纷信息分析月报告" in page and f"Monthly analysis of disputes · {month}" in page
    assert "本月受理矛盾纠纷 <b>1</b> 件，已结案 <b>1</b> 件，在办 <b>0</b> 件" in page
    assert re.findall(r'<g data-month="([\d-]+)" data-cases="(\d+)" data-resolved="(\d+)">', page) == [
        (month, "1", "1")
    ]
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 10_000


def test_the_monthly_report_opens_on_the_latest_month_with_cases(api):
    sign_in(api)
    empty = api.get("/dashboard/report").text  # no case yet: this month, China time
    case_no, case_id = register(a_new_case(channel_ref="R-LATEST"))
    with UnitOfWork(engine()) as uow:  # registered 100 days ago: neither this month nor last month
        registered = now() - timedelta(days=100)
        uow.conn.execute(text("UPDATE cases SET created_at = :at WHERE id = :id"), {"at": registered, "id": case_id})
        tallies.rebuild(uow.conn)
    month = registered_month(case_no)

    page = api.get("/dashboard/report").text

    assert f"Monthly analysis of disputes · {now().astimezone(CST):%Y-%m}" in empty
    assert f"Monthly analysis of disputes · {month}" in page
    assert "本月受理矛盾纠纷 <b>1</b> 件" in page


def test_the_configuration_page_draws_each_path_and_lists_the_versions(api):
    sign_in(api)

    page = api.get("/dashboard/config").text

    labour = page.split('data-type="labour"')[1].split("</section>")[0]
    medical = page.split('data-type="medical"')[1].split("</section>")[0]
    assert re.findall(r"<b>([^<]+)</b><small>([^<]+)</small>", labour) == [
        ("社区/村", "community"),
        ("街道/乡镇", "street"),
        ("市劳动争议人民调解委员会", "P-LABOUR"),  # the panel's name, its code beside
        ("仲裁", "on failure: arbitration"),
    ]
    assert (
        "紧急起点 emergency start" in labour
        and "专家意见 市矛盾纠纷化解专家库 X-CITY" in medical
        and "30 工作日" in medical
    )
    assert 'id="versions"' in page and "当前 current" in page


def test_the_report_command_writes_the_pdf_and_the_page(network, tmp_path):
    from tests.test_cli import run

    case_no, case_id = register(a_new_case(channel_ref="R-2"))
    drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", "M-C01")])
    month = registered_month(case_no)

    pdf_code, pdf_out = run("report", "--month", month, "--region", "511502", "--out", str(tmp_path / "r.pdf"))
    html_code, _ = run("report", "--month", month, "--out", str(tmp_path / "r.html"))
    bad_code, bad = run("report", "--month", "2026-1")

    assert pdf_code == 0 and f"{tmp_path / 'r.pdf'}: {month} 受理 received 1 · 结案 closed 1 · " in pdf_out
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html_code == 0 and "<style>" in html and "/dashboard/static" not in html  # self-contained
    assert (bad_code, bad.strip()) == (
        2,
        "invalid_input: field --month: '2026-1' 不是月份 is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10",
    )


def test_reports_from_one_community_raise_an_area_alert_at_the_configured_threshold(api, monkeypatch):
    from fengqiao.config.settings import get_settings

    monkeypatch.setenv("FENGQIAO_ALERT_AREA_REPORTS", "2")
    get_settings.cache_clear()
    first, _ = register(a_new_case(channel_ref="A-1", area_code="511503002001"))
    before = api.get("/dashboard/alerts").text if sign_in(api) else ""
    second, _ = register(
        a_new_case(
            channel_ref="A-2",
            area_code="511503002001",
            parties=(a_new_case().parties[0].__class__("applicant", "王五"),),
        )
    )
    after = text_of(api.get("/dashboard/alerts").text)

    assert 'data-kind="area"' not in before
    assert (
        "同一社区集中报告 area 2件报告指向社区 community 511503002001（7日内达2件即预警）: 2 reports (an alert at 2 within 7 days)"
        in after
    )
    assert f"{first} {second}" in after


def test_the_configuration_page_replays_recent_cases_under_another_version(api):
    from fengqiao.config.network import load_network_file
    from fengqiao.services.intake import apply_configuration

    case_no, case_id = register(a_new_case(channel_ref="W-1"))
    drive(case_no, case_id, [(InputKind.OUTCOME, "failed", "M-C01"), (InputKind.OUTCOME, "agreement", "M-S01")])
    document = load_network_file(None)
    document["paths"]["neighbourhood"]["steps"] = document["paths"]["neighbourhood"]["steps"][:1]
    second = apply_configuration(document, source="one rung for neighbours")
    apply_configuration()  # version 1 is current again
    sign_in(api)

    page = text_of(api.get("/dashboard/config", params={"whatif": second, "days": 30}).text)

    assert f"推演结果 What-if: version {second} over the last 30 days" in page
    assert "重放 1 件，结果不同 1 件" in page
    assert (
        f"{case_no} 街道/乡镇 street · 化解 resolved 社区/村 community · 导入法治轨道：诉讼 handed_off:litigation"
        in page
    )


def test_the_case_page_lists_only_the_linked_reports_the_key_may_see(api):
    first_no, _ = register(a_new_case(channel_ref="D-1", area_code="511502001001001"))  # 朝阳社区
    repeat_no, _ = register(a_new_case(channel_ref="D-2", area_code="511502001002001"))  # 金沙社区, same parties
    sign_in(api, areas=("511502001002",), name="jinsha-centre")
    jinsha = re.findall(r'<li><a href="/dashboard/cases/(FQ\d+)">', api.get(f"/dashboard/cases/{repeat_no}").text)
    sign_in(api, areas=("511502001",), name="xijiao-centre")
    xijiao = re.findall(r'<li><a href="/dashboard/cases/(FQ\d+)">', api.get(f"/dashboard/cases/{repeat_no}").text)

    # the list holds the original and its repeats; 朝阳's original is outside 金沙's jurisdiction
    assert (jinsha, xijiao) == ([repeat_no], [first_no, repeat_no])
