"""Studio points (积分制): exact points per mediator and studio from cases, sessions, days and satisfaction."""

from __future__ import annotations

from datetime import datetime

from fengqiao.db import cases as case_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.aftercare import IfBroken
from fengqiao.models.clocks import CST
from fengqiao.models.session_records import SessionRecord
from fengqiao.models.vocabulary import Stage, Status
from fengqiao.services.follow_up import record_follow_up
from fengqiao.services.points import monthly_points
from fengqiao.services.runtime import engine, now
from fengqiao.services.session_records import record_session
from tests.factories import a_key
from tests.test_cli import run
from tests.test_subsidies import _known_set, _move


def _tallies(rows) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    return {code: (t.cases, t.agreements, t.sessions, t.days, t.satisfaction, t.points) for code, t in rows}


def test_points_per_mediator_and_studio_for_past_months_and_the_live_one(api):
    n = _known_set()
    waiting = "T-F"  # still mediating with M-C01: a session held in September
    with UnitOfWork(engine()) as uow:
        f = uow.conn.exec_driver_sql(f"SELECT case_no FROM cases WHERE channel_ref = '{waiting}'").scalar_one()
        a = case_store.find_case(uow.conn, n["T-A"])
        _move(uow.conn, a, "2026-10-02 09:00", Status.CLOSED, Stage.CLOSING, "agreement archived")
        uow.commit()
    held = datetime(2026, 9, 8, 10, 0, tzinfo=CST)
    record_session(f, SessionRecord(1, held, "朝阳社区调解室", ("张三", "李四"), ("卫红",), "双方陈述", actor="M-C01"))
    record_follow_up(n["T-A"], honoured=True, satisfaction=4, if_broken=IfBroken.REOPEN, actor="M-C01")
    this_month = now().astimezone(CST).strftime("%Y-%m")

    september, october, live = monthly_points("2026-09"), monthly_points("2026-10"), monthly_points(this_month)
    code, shown = run("points", "--month", "2026-09")
    served = api.get("/api/v1/points", params={"month": "2026-09"}, headers=a_key("coordinator")).json()

    # 10 a case, 5 an agreement, 2 a session, 0.5 a day in mediation, 1 a satisfaction point
    assert _tallies(september.mediators) == {
        "M-C01": (1, 1, 1, 29, 0, 31.5),  # A: assigned 1 Sep, agreed 30 Sep; F's session
        "M-S01": (1, 1, 0, 16, 0, 23.0),  # C: first assigned 4 Sep (at 朝阳), agreed at 西郊 20 Sep
        "M-C02": (1, 1, 0, 1, 0, 15.5),  # B: 2 → 3 Sep
    }
    assert [code for code, _ in september.mediators] == ["M-C01", "M-S01", "M-C02"]  # ranked
    assert _tallies(september.studios) == {"C-ZHAOYANG": (2, 2, 1, 30, 0, 47.0), "S-XIJIAO": (1, 1, 0, 16, 0, 23.0)}
    assert _tallies(october.mediators) == {"M-C02": (1, 0, 0, 6, 0, 13.0)}  # D handed off 1 Oct
    assert _tallies(live.mediators) == {"M-C01": (0, 0, 0, 0, 4, 4.0)}  # the visit to A, this month
    assert live.mediators[0][1].average_satisfaction == 4.0
    assert code == 0 and "公式 formula: 10/件 case + 5/协议 agreement + 2/笔录 session + 0.5/天 day" in shown
    assert [(m["rank"], m["code"], m["points"]) for m in served["mediators"]] == [
        (1, "M-C01", 31.5),
        (2, "M-S01", 23.0),
        (3, "M-C02", 15.5),
    ]
    assert served["formula"] == {
        "per_case": 10.0,
        "per_agreement": 5.0,
        "per_session": 2.0,
        "per_day": 0.5,
        "per_satisfaction": 1.0,
    }


def test_the_ranking_page_lists_mediators_and_studios_highest_first(api):
    import re

    from tests.test_dashboard import sign_in

    _known_set()
    sign_in(api)

    page = api.get("/dashboard/points", params={"month": "2026-09"}).text

    mediators = page.split('id="mediators"')[1].split("</table>")[0]
    assert re.findall(r'data-code="([\w-]+)" data-points="([\d.]+)"', mediators) == [
        ("M-C01", "29.5"),  # no session on F in this test: 10 + 5 + 14.5
        ("M-S01", "23.0"),
        ("M-C02", "15.5"),
    ]
