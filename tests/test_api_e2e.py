"""End to end through HTTP only: `fengqiao serve` (API and worker) and a Prefect server, real processes.

A walk-in registration is sent in, fails at the community, is agreed at the street, closes, and
gets its follow-up visit; twenty copies of one outcome posted at once store one input and make
one transition.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from fengqiao.cli.demo_papers import SAID, signed_scan
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.clocks import CST
from fengqiao.models.privacy import unmasked_in
from fengqiao.services.runtime import engine
from tests.factories import a_key, example_of
from tests.processes import BIN, free_port, wait_for

# Generous: the first requests meet a server still warming up on a busy 2-core CI machine (a 5-second
# default once timed out on the first intake); this test is about behaviour, benchmarks/ about speed.
http = httpx.Client(timeout=60.0)


def serve(processes) -> str:  # type: ignore[no-untyped-def]
    port = processes.port  # type: ignore[attr-defined]
    processes.start("prefect", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port))
    wait_for("the Prefect server", lambda: http.get(f"http://127.0.0.1:{port}/api/health").status_code == 200)
    api_port = free_port()
    processes.start("serve", str(BIN / "fengqiao"), "serve", "--port", str(api_port))
    base = f"http://127.0.0.1:{api_port}/api/v1"
    wait_for("fengqiao serve", lambda: http.get(f"{base}/health").json()["status"] == "ok")
    return base


def status_becomes(base: str, case_id: int, headers: dict, status: str, attempt: int | None = None):  # type: ignore[no-untyped-def]
    def check() -> bool:
        case = http.get(f"{base}/cases/{case_id}", headers=headers).json()
        return case["status"] == status and (attempt is None or case["attempt"] == attempt)

    return check


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_case_from_intake_to_close_through_http_only_and_a_race_of_one_outcome(network, processes):
    base = serve(processes)
    window = a_key("integrator", name="one-stop-window")
    mediator = a_key("mediator", name="M-C04")
    centre = a_key("coordinator", name="centre")

    accepted = http.post(f"{base}/intake/walk_in", json=example_of("walk_in"), headers=window)
    case_id = accepted.json()["case_id"]
    wait_for("mediation at the community", status_becomes(base, case_id, centre, "mediating", 1))
    failed = http.post(
        f"{base}/cases/{case_id}/outcome", json={"result": "failed", "note": "双方分歧大"}, headers=mediator
    )
    wait_for("mediation at the street", status_becomes(base, case_id, centre, "mediating", 2))
    file_papers(base, case_id, centre)
    agreed = http.post(f"{base}/cases/{case_id}/outcome", json={"result": "agreement"}, headers=centre)
    wait_for("the case to close", status_becomes(base, case_id, centre, "closed"))
    visit = http.post(f"{base}/cases/{case_id}/follow-up", json={"honoured": True, "satisfaction": 5}, headers=centre)
    timeline = http.get(f"{base}/cases/{case_id}/timeline", headers=centre).json()

    assert (accepted.status_code, failed.status_code, agreed.status_code, visit.status_code) == (202, 200, 200, 200)
    assert [(t["from_status"], t["to_status"], t["stage"], t["org"], t["actor"]) for t in timeline] == [
        (None, "received", "intake", None, "channel:walk_in"),
        ("received", "triaged", "triage", None, "fengqiao"),
        ("triaged", "mediating", "assignment", "C-BAISHA", "fengqiao"),
        ("mediating", "escalated", "escalation", "S-BAISHAWAN", "M-C04"),
        ("escalated", "mediating", "assignment", "S-BAISHAWAN", "fengqiao"),
        ("mediating", "mediating", "session", "S-BAISHAWAN", "centre"),
        ("mediating", "resolved", "resolution", "S-BAISHAWAN", "centre"),
        ("resolved", "closed", "closing", "S-BAISHAWAN", "fengqiao"),
        ("closed", "closed", "follow_up", "S-BAISHAWAN", "centre"),
    ]
    assert nothing_personal_in_prefect_or_logs(processes, ["周建华", "周建军", "翠屏区白沙社区7组"])

    twenty_copies_of_one_outcome_at_once_store_one_and_move_the_case_once(base)
    the_dashboard_follows_cases_live_in_chromium(base)


def file_papers(base: str, case_id: int, headers: dict[str, str]) -> None:
    """What the sample network's case file needs before an agreement, through the API: a session
    record (调解笔录) of the attempt and the signed copy of the agreement (签字盖章件)."""
    sitting = {
        "held_at": datetime.now(CST).isoformat(),
        "place": "调解室 mediation room",
        "attendees": ["当事人 the parties"],
        "mediators": ["调解员 the mediator"],
        "content": SAID,
    }
    scan = {"file": ("调解协议书签字件.pdf", signed_scan(), "application/pdf")}
    assert http.post(f"{base}/cases/{case_id}/sessions", json=sitting, headers=headers).status_code == 200
    assert http.post(f"{base}/cases/{case_id}/documents", files=scan, headers=headers).status_code == 201


def nothing_personal_in_prefect_or_logs(processes, names: list[str]) -> bool:  # type: ignore[no-untyped-def]
    """Flow runs (parameters, tags), task runs (results), Prefect logs and fengqiao's own output: no one's data."""
    prefect = f"http://127.0.0.1:{processes.port}/api"  # type: ignore[attr-defined]
    seen = [
        http.post(f"{prefect}/{what}/filter", json={"limit": 200}).text for what in ("flow_runs", "task_runs", "logs")
    ]
    seen += prefect_events(prefect)
    seen += [path.read_text(errors="replace") for path in processes.logs.glob("*.log")]
    everything = "\n".join(seen)
    assert "case-flow" in everything or "case-FQ" in everything  # the runs are there to be scanned
    assert "prefect.flow-run." in everything  # and so are their events (state changes carry tags and names)
    assert unmasked_in(everything) == [] and [n for n in names if n in everything] == []
    return True


def prefect_events(prefect: str, pages: int = 100) -> list[str]:
    """Every event Prefect's server kept (a page at a time): tags and names stay in events after a run changes."""
    page = http.post(f"{prefect}/events/filter", json={"limit": 50}).json()
    seen = [str(page["events"])]
    while page.get("next_page") and len(seen) < pages:
        page = http.get(page["next_page"]).json()
        seen.append(str(page["events"]))
    return seen


def twenty_copies_of_one_outcome_at_once_store_one_and_move_the_case_once(base: str) -> None:
    """On the same server (starting one costs half a minute): a race of identical submissions."""
    mediator = a_key("mediator", name="M-C01")
    case_id = http.post(f"{base}/intake/online", json=example_of("online"), headers=a_key("integrator")).json()[
        "case_id"
    ]
    wait_for("mediation", status_becomes(base, case_id, mediator, "mediating", 1))
    file_papers(base, case_id, mediator)

    def post(_: int) -> httpx.Response:
        body = {"result": "agreement", "note": "当面和解"}
        return http.post(f"{base}/cases/{case_id}/outcome", json=body, headers=mediator)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(post, range(20)))
    wait_for("the case to close", status_becomes(base, case_id, mediator, "closed"))

    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    with UnitOfWork(engine()) as uow:
        inputs = uow.conn.execute(text("SELECT count(*) FROM human_inputs WHERE case_id = :c"), {"c": case_id}).scalar()
        stages = uow.conn.execute(
            text("SELECT stage FROM transitions WHERE case_id = :c ORDER BY seq"), {"c": case_id}
        ).scalars()
        assert (inputs, list(stages)) == (1, ["intake", "triage", "assignment", "session", "resolution", "closing"])


SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


def the_dashboard_follows_cases_live_in_chromium(base: str) -> None:
    """Debian's Chromium, driven by Playwright, on the same server: nothing is reloaded by hand."""
    from playwright.sync_api import expect, sync_playwright

    from fengqiao.config.settings import get_settings

    root = base.removesuffix("/api/v1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    centre = a_key("coordinator", name="centre-browser")["Authorization"].removeprefix("Bearer ")
    integrator, mediator = a_key("integrator", name="window-app"), a_key("mediator", name="M-C04 browser")
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=get_settings().chromium, headless=True, args=flags)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.set_default_timeout(90_000)
        expect.set_options(timeout=90_000)  # a flow run needs a worker's poll; the page its own
        page.goto(f"{root}/dashboard/login")
        page.fill("input[name=key]", centre)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_contain_text("在办案件看板")

        record = example_of("walk_in") | {"form_no": "YB-CP-ZX-20261105-099"}  # 白沙社区, then 白沙湾街道
        pushed = http.post(f"{base}/intake/walk_in", json=record, headers=integrator).json()
        row = page.locator(f'tr[data-case="{pushed["case_no"]}"]')
        expect(row).to_have_attribute("data-status", "mediating")  # appears, then moves, by polling alone
        expect(row).to_have_attribute("data-level", "community")
        page.screenshot(path=SCREENSHOTS / "board-1366x768.png")

        http.post(f"{base}/cases/{pushed['case_id']}/outcome", json={"result": "failed"}, headers=mediator)
        expect(row).to_have_attribute("data-level", "street")
        expect(row).to_have_attribute("data-status", "mediating")
        page.screenshot(path=SCREENSHOTS / "board-after-outcome.png", full_page=True)

        page.goto(f"{root}/dashboard/alerts")
        for n in (1, 2, 3):
            record = example_of("hotline_12345") | {"ticket_id": f"E2E-{n}", "caller": {"name": f"来电人{n}"}}
            http.post(f"{base}/intake/hotline_12345", json=record, headers=integrator)
        cluster = page.locator('[data-kind="respondent"]')
        expect(cluster).to_contain_text("3 reports (an alert at 3 within 7 days)")
        page.screenshot(path=SCREENSHOTS / "alerts.png", full_page=True)
        cluster.locator("input[name=note]").fill("已转劳动监察")
        cluster.locator("button").click()
        expect(page.locator('[data-kind="respondent"]')).to_have_count(0)

        page.goto(f"{root}/dashboard/stats")
        expect(page.locator("#kpi-received b")).to_have_text(
            str(http.get(f"{base}/stats", headers=a_key("coordinator", name="centre-stats")).json()["received"])
        )
        page.screenshot(path=SCREENSHOTS / "statistics.png", full_page=True)

        month = datetime.now(CST).strftime("%Y-%m")
        page.goto(f"{root}/dashboard/report?month={month}")
        expect(page.locator("#report h1")).to_have_text("矛盾纠纷信息分析月报告")
        page.screenshot(path=SCREENSHOTS / "monthly-report.png", full_page=True)
        pdf = page.request.get(f"{root}/dashboard/report.pdf?month={month}")
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")

        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{root}/dashboard/cases/{pushed['case_no']}")
        expect(phone.locator("#timeline tbody tr")).to_have_count(5)
        phone.screenshot(path=SCREENSHOTS / "case-phone.png", full_page=True)
        browser.close()
