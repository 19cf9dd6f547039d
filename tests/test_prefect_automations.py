"""What a coordination centre must hear from Prefect (issue 14 item 7): `fengqiao deploy` ships three
automations, and a crashed run, a run Late too long and a pool without worker heartbeats each
become an alert on the dashboard's alerts page, through the session's real Prefect server. The
workers' sweep raises them (whether or not the page is open), once per firing."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import httpx
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Crashed
from sqlalchemy import select
from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.config.settings import get_settings
from fengqiao.db.tables import alerts, prefect_events_heard
from fengqiao.db.uow import UnitOfWork
from fengqiao.runs.automations import automation_names, hear
from fengqiao.runs.deployments import deploy
from fengqiao.runs.launch import wake_case
from fengqiao.runs.sweep import sweep_round
from fengqiao.services.runtime import engine
from tests.drive import register
from tests.factories import a_new_case
from tests.processes import BIN, wait_for
from tests.test_dashboard import sign_in, text_of

runner = CliRunner()
CASE_RUNS = {"prefect.resource.id": "prefect.flow-run.*", "prefect.resource.name": "case-*"}


def test_deploy_twice_leaves_exactly_three_automations_with_their_triggers(network):
    first = runner.invoke(app, ["deploy"])
    second = runner.invoke(app, ["deploy"])
    pool = get_settings().work_pool
    with get_client(sync_client=True) as client:
        found = {name: client.read_automations_by_name(name) for name in automation_names(pool)}

    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert [len(a) for a in found.values()] == [1, 1, 1]
    crashed, late, pool_down = (a[0] for a in found.values())
    assert [a.name for a in (crashed, late, pool_down)] == [
        f"fengqiao {pool}: case run crashed",
        f"fengqiao {pool}: case run late",
        f"fengqiao {pool}: no worker heartbeat",
    ]
    on_pool = {"prefect.resource.role": "work-pool", "prefect.resource.name": pool}
    t = crashed.trigger
    assert (t.posture, t.expect, t.after, t.match.root, t.match_related.root, t.for_each) == (  # type: ignore[union-attr]
        "Reactive",
        {"prefect.flow-run.Crashed"},
        set(),
        CASE_RUNS,
        on_pool,
        {"prefect.resource.id"},
    )
    t = late.trigger
    assert (t.posture, t.after, t.within, t.match.root, t.match_related.root) == (  # type: ignore[union-attr]
        "Proactive",
        {"prefect.flow-run.Late"},
        timedelta(minutes=15),
        CASE_RUNS,
        on_pool,
    )
    assert "prefect.flow-run.Running" in t.expect and "prefect.flow-run.Late" not in t.expect  # type: ignore[union-attr]
    t = pool_down.trigger
    assert (t.posture, t.expect, t.match.root) == (  # type: ignore[union-attr]
        "Reactive",
        {"prefect.work-pool.not-ready"},
        {"prefect.resource.id": "prefect.work-pool.*", "prefect.resource.name": pool},
    )
    assert [a.actions[0].type for a in (crashed, late, pool_down)] == ["do-nothing"] * 3
    assert "自动化 automations" in second.output and "unchanged" in second.output
    assert [done for _, done in deploy()[1]] == ["unchanged"] * 3


def test_a_changed_setting_updates_only_its_automation(network, monkeypatch):
    pool = get_settings().work_pool
    try:
        monkeypatch.setenv("FENGQIAO_LATE_RUN_MINUTES", "0.5")
        get_settings.cache_clear()
        _, changed = deploy()
        with get_client(sync_client=True) as client:
            within = client.read_automations_by_name(f"fengqiao {pool}: case run late")[0].trigger.within  # type: ignore[union-attr]
    finally:
        monkeypatch.delenv("FENGQIAO_LATE_RUN_MINUTES")
        get_settings.cache_clear()
        _, restored = deploy()

    assert [done for _, done in changed] == ["unchanged", "updated", "unchanged"]
    assert within == timedelta(seconds=30)
    assert [done for _, done in restored] == ["unchanged", "updated", "unchanged"]


def alerts_raised() -> list[tuple[str, str, int | None]]:
    """(kind, subject, the alert id noted beside the Prefect firing that raised it) of every alert, oldest first."""
    with UnitOfWork(engine()) as uow:
        rows = uow.conn.execute(
            select(alerts.c.kind, alerts.c.subject, prefect_events_heard.c.alert_id)
            .outerjoin(prefect_events_heard, prefect_events_heard.c.alert_id == alerts.c.id)
            .order_by(alerts.c.id)
        ).all()
    return [tuple(r) for r in rows]


def test_a_crashed_case_run_is_an_alert_raised_by_the_sweep_once_with_no_page_open(api, case_runs):
    """The sweep hears the firing (one sweep at a time across workers), not the alerts page: no one
    has the page open while the run crashes and the rounds run; the page then only reads it."""
    deploy()
    case_no, case_id = register(a_new_case())
    case_runs.append(run_id := wake_case(case_id).removeprefix("started "))
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(run_id), Crashed(message="worker killed"), force=True)

    def raised_by_a_round() -> list[tuple[str, str, int | None]]:
        sweep_round()
        return alerts_raised()

    first = wait_for("the sweep to raise the crash", raised_by_a_round)
    sweep_round()  # the next rounds (or another worker's, or after a restart) read the same firing again
    sweep_round()
    sign_in(api)
    html = api.get("/dashboard/alerts").text
    page = text_of(html)

    assert [(kind, subject) for kind, subject, _ in first] == [("run_crashed", case_no)]
    assert alerts_raised() == first and first[0][2] is not None  # one alert, noted with its firing
    assert "案件流程运行崩溃 run_crashed" in page
    assert f"{case_no} 的流程运行崩溃: Prefect run case-{case_no} Crashed" in page
    assert f'href="/dashboard/cases/{case_no}"' in html
    assert page.count("run_crashed") == 1


def test_a_run_late_too_long_and_a_pool_without_heartbeats_are_alerts(api, processes, monkeypatch):
    """On a Prefect server with its services (`prefect server start`: the embedded one runs neither
    the late-runs nor the foreman service). No worker takes the case's run: Prefect marks it Late
    15 s after its time, and 12 s later (the setting) it is an alert. A worker beats once with a
    1 s interval and stops: Prefect marks it offline after three intervals and the pool NOT_READY
    at its next check. The dashboard's own hearing asks the session's server, so this test hears
    the full server's automations itself (runs.automations.hear) and reads the page."""
    port = processes.port
    processes.env["PREFECT_SERVER_SERVICES_FOREMAN_LOOP_SECONDS"] = "2"
    processes.start("prefect", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port))
    wait_for("the Prefect server", lambda: httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200)
    monkeypatch.setenv("FENGQIAO_LATE_RUN_MINUTES", "0.2")
    get_settings.cache_clear()
    pool = get_settings().work_pool
    heard: list[int] = []
    with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}):
        _, automations_done = deploy()
        case_no, case_id = register(a_new_case())
        wake_case(case_id)  # its run waits: no worker polls this server
        with get_client(sync_client=True) as client:
            client.send_worker_heartbeat(pool, "gone-worker", heartbeat_interval_seconds=1)

        def both_heard() -> bool:
            heard.extend(hear())
            return len(heard) == 2

        wait_for("the late run's and the pool's alerts", both_heard, timeout=150)
    sign_in(api, areas=("511502001",))  # a street's coordinator sees the pool's alert too
    html = api.get("/dashboard/alerts").text
    page = text_of(html)

    assert [done for _, done in automations_done] == ["created"] * 3
    assert "案件流程运行延迟 run_late" in page
    assert (
        f"{case_no} 的流程运行延迟超过0.2分钟: Prefect run case-{case_no} Late for more than 0.2 minutes, "
        "no worker took it"
    ) in page
    assert f'href="/dashboard/cases/{case_no}"' in html
    assert "工作池无工作进程心跳 pool_no_heartbeat" in page
    assert (
        f"工作池 {pool} 无工作进程心跳，案件暂停推进: no worker heartbeat in Prefect work pool {pool}; "
        "no case moves until a worker runs"
    ) in page
    assert f"工作池 work pool {pool} · 所有案件 every case" in page
    alert_id = re.search(r'data-alert="(\d+)" data-kind="pool_no_heartbeat"', html).group(1)  # type: ignore[union-attr]
    token = re.search(r'name="csrf" value="(\w+)"', html).group(1)  # type: ignore[union-attr]
    done = api.post(f"/dashboard/alerts/{alert_id}/acknowledge", data={"note": "重启工作进程", "csrf": token})
    assert done.status_code == 200 and "pool_no_heartbeat" not in text_of(api.get("/dashboard/alerts").text)
