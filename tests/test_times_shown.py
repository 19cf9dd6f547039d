"""Every time a person reads is China Standard Time, labelled (models.times.shown): the dashboard's
board, case, alerts and configuration pages, the monthly report, and the command line's tables.

A page or an output is scanned for every date with a time of day; each must be followed by its
zone, and the instants expected there must be shown exactly as China time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from fengqiao.db.tables import alerts, api_keys, cases, config_versions, transitions
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.times import shown
from fengqiao.services.keys import list_keys, revoke_key
from fengqiao.services.runtime import engine
from tests.factories import a_key
from tests.test_dashboard import sign_in
from tests.test_parking import parked_case, run

A_TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?")
ZONE = " CST (UTC+8)"
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")  # ISO 8601, its offset given


def unlabelled(text: str) -> list[str]:
    """The times shown without their zone right after them (an ISO 8601 value with its offset passes)."""
    return [
        m.group(0)
        for m in A_TIME.finditer(text)
        if not text.startswith(ZONE, m.end()) and not re.match(r"[.\d]*(\+\d\d:\d\d|Z)", text[m.end() :])
    ]


def the_parked_case() -> tuple[str, list[datetime], datetime, datetime]:
    case_no, case_id = parked_case()
    with UnitOfWork(engine()) as uow:
        ats = uow.conn.execute(
            select(transitions.c.at).where(transitions.c.case_id == case_id).order_by(transitions.c.seq)
        )
        parked_at, updated_at = uow.conn.execute(
            select(cases.c.parked_at, cases.c.updated_at).where(cases.c.id == case_id)
        ).one()
        return case_no, list(ats.scalars()), parked_at, updated_at


def stored(table, column) -> list[datetime]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine()) as uow:
        return list(uow.conn.execute(select(column).order_by(table.c.id)).scalars())


def test_shown_is_china_time_with_its_zone_and_refuses_a_time_without_one():
    import pytest

    at = datetime(2026, 12, 31, 16, 15, 7, tzinfo=UTC)  # the next day in Beijing
    assert (shown(at), shown(None)) == ("2027-01-01 00:15 CST (UTC+8)", "—")
    with pytest.raises(ValueError, match="a time without its zone cannot be shown: 2026-12-31T16:15:07"):
        shown(at.replace(tzinfo=None))


def test_every_time_on_the_dashboard_is_china_time_with_its_zone(api):
    case_no, ats, parked_at, _ = the_parked_case()
    sign_in(api)
    alerts_page = api.get("/dashboard/alerts").text
    alert_id = re.search(r'data-alert="(\d+)" data-kind="case_parked"', alerts_page).group(1)
    token = re.search(r'name="csrf" value="(\w+)"', alerts_page).group(1)
    api.post(f"/dashboard/alerts/{alert_id}/acknowledge", data={"note": "已处理", "csrf": token})

    pages = {
        "board": api.get("/dashboard/").text,
        "case": api.get(f"/dashboard/cases/{case_no}").text,
        "alerts": api.get("/dashboard/alerts", params={"show": "all"}).text,
        "config": api.get("/dashboard/config").text,
        "report": api.get("/dashboard/report").text,
    }

    assert {name: unlabelled(html) for name, html in pages.items()} == {name: [] for name in pages}
    timeline = re.findall(r'<tr data-seq="\d+"><td>\d+</td><td>([^<]+)</td>', pages["case"])
    assert timeline == [shown(at) for at in ats]
    assert f"暂停 parked</span> {shown(parked_at)}" in pages["case"]
    assert f'title="暂停于 parked at {shown(parked_at)}"' in pages["board"]
    raised, updated, acknowledged = (
        stored(alerts, c)[-1] for c in (alerts.c.raised_at, alerts.c.updated_at, alerts.c.acknowledged_at)
    )
    assert f"首次 raised {shown(raised)} · 更新 updated {shown(updated)}" in pages["alerts"]
    assert f"于 {shown(acknowledged)} 确认" in pages["alerts"]
    assert [
        f"<td>{shown(at)}</td>" in pages["config"] for at in stored(config_versions, config_versions.c.created_at)
    ] == [True, True]
    assert re.search(r"生成于 made \d{4}-\d\d-\d\d \d\d:\d\d CST \(UTC\+8\)", pages["report"])


def test_every_time_the_command_line_prints_is_china_time_with_its_zone(network):
    case_no, ats, parked_at, updated_at = the_parked_case()
    a_key("integrator", name="old-window")
    (key_id,) = [k["id"] for k in list_keys() if k["name"] == "old-window"]
    revoke_key(key_id)
    outputs = {
        "case show": run("case", "show", case_no),
        "cases": run("cases"),
        "config show": run("config", "show"),
        "keys list": run("keys", "list"),
    }

    assert {name: (code, unlabelled(out)) for name, (code, out) in outputs.items()} == dict.fromkeys(outputs, (0, []))
    shown_case = outputs["case show"][1]
    assert [shown(at) in shown_case for at in ats] == [True] * len(ats)
    assert f"{shown(parked_at)}, after 3 failed runs" in shown_case
    assert shown(updated_at) in outputs["cases"][1]
    assert f"revoked 已吊销 {shown(stored(api_keys, api_keys.c.revoked_at)[-1])}" in outputs["keys list"][1]
    assert [shown(at) in outputs["config show"][1] for at in stored(config_versions, config_versions.c.created_at)] == [
        True,
        True,
    ]


def test_the_api_gives_each_time_as_iso_8601_with_its_offset(api):
    case_no, ats, _, updated_at = the_parked_case()
    centre = a_key("coordinator", name="centre-times")
    case = api.get(f"/api/v1/cases/{case_no}", headers=centre).json()
    timeline = api.get(f"/api/v1/cases/{case_no}/timeline", headers=centre).json()

    given = [case["updated_at"], case["parked"]["at"], *(t["at"] for t in timeline)]
    assert [OFFSET.search(g) is not None for g in given] == [True] * len(given), given
    assert datetime.fromisoformat(case["updated_at"]) == updated_at
    assert [datetime.fromisoformat(t["at"]) for t in timeline] == ats
