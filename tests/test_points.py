"""Points (积分制): exact points per mediator and committee from cases, sessions, days and satisfaction; ties share a rank."""

from __future__ import annotations

from datetime import datetime

from fengqiao.db import cases as case_store
from fengqiao.db import session_records
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.aftercare import IfBroken
from fengqiao.models.clocks import CST
from fengqiao.models.points import CREDIT
from fengqiao.models.session_records import SessionRecord, session_move
from fengqiao.models.vocabulary import HandoffTarget, Stage, Status
from fengqiao.services.follow_up import record_follow_up
from fengqiao.services.points import monthly_points
from fengqiao.services.runtime import engine, now
from fengqiao.services.session_records import record_session
from tests.factories import a_key
from tests.test_cli import run
from tests.test_subsidies import _assign, _at, _case, _known_set, _move, in_nanxi


def _tallies(rows) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    return {code: (t.cases, t.agreements, t.sessions, t.days, t.satisfaction, t.points) for code, t in rows}


def test_points_per_mediator_and_committee_for_past_months_and_the_live_one(api):
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

    # 10 a case, 5 an agreement, 2 a session, 0.5 a day in mediation, 1 a satisfaction point; C's
    # days split by attempt: 4 → 10 Sep at 朝阳 (M-C01, to its escalation), 11 → 20 Sep at 西郊 (M-S01, who
    # concluded it); the day between escalation and 西郊's assignment is no mediator's
    assert _tallies(september.mediators) == {
        "M-C01": (1, 1, 1, 29 + 6, 0, 34.5),  # A: assigned 1 Sep, agreed 30 Sep; F's session; C's first 6 days
        "M-S01": (1, 1, 0, 9, 0, 19.5),  # C: the case, its agreement and its last 9 days
        "M-C02": (1, 1, 0, 1, 0, 15.5),  # B: 2 → 3 Sep
    }
    assert [code for code, _ in september.mediators] == ["M-C01", "M-S01", "M-C02"]  # ranked
    assert _tallies(september.committees) == {"C-ZHAOYANG": (2, 2, 1, 36, 0, 50.0), "S-XIJIAO": (1, 1, 0, 9, 0, 19.5)}
    assert _tallies(october.mediators) == {"M-C02": (1, 0, 0, 6, 0, 13.0)}  # D handed off 1 Oct
    assert _tallies(live.mediators) == {"M-C01": (0, 0, 0, 0, 4, 4.0)}  # the visit to A, this month
    assert live.mediators[0][1].average_satisfaction == 4.0
    assert code == 0 and "公式 formula: 10/件 case + 5/协议 agreement + 2/笔录 session + 0.5/天 day" in shown
    assert f"\n{CREDIT}\n" in shown  # who is credited with what, beside the formula
    assert [(m["rank"], m["code"], m["points"]) for m in served["mediators"]] == [
        (1, "M-C01", 34.5),
        (2, "M-S01", 19.5),
        (3, "M-C02", 15.5),
    ]
    assert served["credit"] == CREDIT
    assert served["formula"] == {
        "per_case": 10.0,
        "per_agreement": 5.0,
        "per_session": 2.0,
        "per_day": 0.5,
        "per_satisfaction": 1.0,
    }


def test_the_ranking_page_lists_mediators_and_committees_highest_first(api):
    import re

    from tests.test_dashboard import sign_in

    _known_set()
    sign_in(api)

    page = api.get("/dashboard/points", params={"month": "2026-09"}).text

    assert f'<p class="hint" id="credit">{CREDIT}</p>' in page.replace("&#39;", "'")
    mediators = page.split('id="mediators"')[1].split("</table>")[0]
    assert re.findall(r'data-code="([\w-]+)" data-points="([\d.]+)"', mediators) == [
        ("M-C01", "32.5"),  # no session on F in this test: 10 + 5 + 17.5 (A's 29 days, C's first 6)
        ("M-S01", "19.5"),
        ("M-C02", "15.5"),
    ]


def _november() -> None:
    """M-C01 and M-C03 each settle a case in two days (16 points each); M-C02 hands one off after a day (10.5)."""
    with UnitOfWork(engine()) as uow:
        c = uow.conn
        x = _assign(c, _case(c, "N-X", "2026-11-02 09:00"), "2026-11-02 10:00", "C-ZHAOYANG", "M-C01")
        _move(c, x, "2026-11-04 10:00", Status.RESOLVED, Stage.RESOLUTION, "agreement")
        y = _assign(c, _case(c, "N-Y", "2026-11-02 09:00"), "2026-11-02 10:00", "C-JINSHA", "M-C03")
        _move(c, y, "2026-11-04 10:00", Status.RESOLVED, Stage.RESOLUTION, "agreement")
        z = _assign(c, _case(c, "N-Z", "2026-11-02 09:00"), "2026-11-02 10:00", "C-ZHAOYANG", "M-C02")
        _move(
            c,
            z,
            "2026-11-03 10:00",
            Status.HANDED_OFF,
            Stage.HANDOFF,
            "failed",
            handoff_target=HandoffTarget.LITIGATION,
        )
        uow.commit()


def test_equal_points_share_a_rank_and_the_next_rank_skips_in_every_view(api):
    import json
    import re

    from tests.test_dashboard import sign_in

    _november()
    code, shown = run("points", "--month", "2026-11")
    as_json = run("points", "--month", "2026-11", "--json")
    served = api.get("/api/v1/points", params={"month": "2026-11"}, headers=a_key("admin", name="ranks")).json()
    sign_in(api)
    page = api.get("/dashboard/points", params={"month": "2026-11"}).text
    found = json.loads(as_json[1])

    assert [(m["rank"], m["code"], m["name"], m["points"]) for m in found["mediators"]] == [
        (1, "M-C01", "卫红 M-C01", 16.0),
        (1, "M-C03", "沈玉 M-C03", 16.0),
        (3, "M-C02", "蒋平 M-C02", 10.5),
    ]
    assert [(m["rank"], m["name"], m["cases"], m["days"]) for m in found["committees"]] == [
        (1, "朝阳社区人民调解委员会 C-ZHAOYANG", 2, 3),
        (2, "金沙社区人民调解委员会 C-JINSHA", 1, 2),
    ]
    assert (as_json[0], found["month"], found["formula"]["per_case"]) == (0, "2026-11", 10.0)
    assert [(m["rank"], m["code"]) for m in served["mediators"]] == [(1, "M-C01"), (1, "M-C03"), (3, "M-C02")]
    assert [(c["rank"], c["code"], c["points"]) for c in served["committees"]] == [
        (1, "C-ZHAOYANG", 26.5),
        (2, "C-JINSHA", 16.0),
    ]
    ranks = [re.findall(r"│\s+(\d)\s+│\s+(\S+ M-C0\d)", line) for line in shown.splitlines()]
    assert code == 0 and [r[0] for r in ranks if r] == [("1", "卫红 M-C01"), ("1", "沈玉 M-C03"), ("3", "蒋平 M-C02")]
    assert "积分 points 2026-11 · 调委会/调解室 committees and stationed rooms" in shown
    assert f'<p class="hint" id="credit">{CREDIT}</p>' in page.replace("&#39;", "'")
    mediators = page.split('id="mediators"')[1].split("</table>")[0]
    assert re.findall(
        r'data-code="([\w-]+)" data-points="[\d.]+" data-rank="(\d)"><td>\d</td><td>([^<]+)<', mediators
    ) == [
        ("M-C01", "1", "卫红 M-C01"),
        ("M-C03", "1", "沈玉 M-C03"),
        ("M-C02", "3", "蒋平 M-C02"),
    ]


def test_points_rank_only_the_work_on_cases_of_the_callers_jurisdiction(api):
    import re

    from tests.test_dashboard import sign_in

    n = _known_set()
    in_nanxi()  # M-C06 at 仙峰 (南溪区): a case, an agreement, a day: 15.5
    with UnitOfWork(engine()) as uow:
        f = uow.conn.exec_driver_sql("SELECT case_no FROM cases WHERE channel_ref = 'T-F'").scalar_one()
    held = datetime(2026, 9, 8, 10, 0, tzinfo=CST)  # a session on F (翠屏区), held by M-C01
    record_session(f, SessionRecord(1, held, "朝阳社区调解室", ("张三", "李四"), ("卫红",), "双方陈述", actor="M-C01"))

    def ranked(key):  # type: ignore[no-untyped-def]
        p = api.get("/api/v1/points", params={"month": "2026-09"}, headers=key).json()
        return [[(m["rank"], m["code"], m["points"]) for m in p[side]] for side in ("mediators", "committees")]

    admin = ranked(a_key("admin", name="ranks"))
    district = ranked(a_key("coordinator", name="nanxi", areas=("511503",)))
    with_xijiao = ranked(a_key("coordinator", name="nanxi-xijiao", areas=("511503",), orgs=("S-XIJIAO",)))

    assert admin == [
        [(1, "M-C01", 34.5), (2, "M-S01", 19.5), (3, "M-C02", 15.5), (3, "M-C06", 15.5)],
        [(1, "C-ZHAOYANG", 50.0), (2, "S-XIJIAO", 19.5), (3, "C-XIANFENG", 15.5)],
    ]
    assert _tallies(monthly_points("2026-09").mediators)["M-C01"] == (1, 1, 1, 35, 0, 34.5)  # the CLI: unscoped
    assert district == [[(1, "M-C06", 15.5)], [(1, "C-XIANFENG", 15.5)]]  # neither A, B, C nor F's session
    assert with_xijiao == [  # C, which 西郊 holds, whole: concluded by M-S01 there, its first 6 days M-C01's
        [(1, "M-S01", 19.5), (2, "M-C06", 15.5), (3, "M-C01", 3.0)],
        [(1, "S-XIJIAO", 19.5), (2, "C-XIANFENG", 15.5), (3, "C-ZHAOYANG", 3.0)],
    ]
    assert n["T-A"]  # the known set is there, outside the district

    sign_in(api, areas=("511503",), name="nanxi-board")
    page = api.get("/dashboard/points", params={"month": "2026-09"}).text

    assert f'<p class="hint" id="credit">{CREDIT}</p>' in page.replace("&#39;", "'")
    mediators = page.split('id="mediators"')[1].split("</table>")[0]
    assert re.findall(r'data-code="([\w-]+)" data-points="([\d.]+)"', page) == [
        ("M-C06", "15.5"),
        ("C-XIANFENG", "15.5"),
    ]
    assert re.findall(r'data-code="([\w-]+)"', mediators) == ["M-C06"]
    assert [x for x in ("M-C01", "M-C02", "M-S01", "C-ZHAOYANG", "S-XIJIAO") if x in page] == []


def _session(conn, case, held: str, number: int):  # type: ignore[no-untyped-def]
    """A session of the case's current attempt, held and recorded then (as services.session_records stores it)."""
    at = _at(held)
    said = f"第{number}次调解 session {number}"
    record = SessionRecord(case.attempt, at, "调解室", ("张三", "李四"), (case.mediator,), said, case.mediator, number)
    session_records.add_session(conn, case.id, record, at=at, key=None)
    after, move = session_move(case, record, at=at)
    case_store.save_move(conn, case, after, move, flow_run_id=None)
    return after


def test_an_escalated_case_credits_each_mediator_the_sessions_and_days_of_their_own_attempt(api):
    import json

    with UnitOfWork(engine()) as uow:
        c = uow.conn
        # attempt 1 at 朝阳 (M-C01) from 2 Nov: two sessions, failed and escalated on 6 Nov
        x = _assign(c, _case(c, "N-ESC", "2026-11-02 09:00"), "2026-11-02 10:00", "C-ZHAOYANG", "M-C01")
        x = _session(c, x, "2026-11-03 10:00", 1)
        x = _session(c, x, "2026-11-05 10:00", 2)
        x = _move(c, x, "2026-11-06 10:00", Status.ESCALATED, Stage.ESCALATION, "failed", org_code="S-XIJIAO")
        # attempt 2 at 西郊 (M-S01) from 8 Nov: one session, a written agreement on 12 Nov, archived the next day
        x = _assign(c, x, "2026-11-08 10:00", "S-XIJIAO", "M-S01")
        x = _session(c, x, "2026-11-10 10:00", 3)
        x = _move(c, x, "2026-11-12 10:00", Status.RESOLVED, Stage.RESOLUTION, "agreement")
        _move(c, x, "2026-11-13 10:00", Status.CLOSED, Stage.CLOSING, "agreement archived")
        uow.commit()
    record_follow_up(x.case_no, honoured=True, satisfaction=5, if_broken=IfBroken.REOPEN, actor="M-S01")
    this_month = now().astimezone(CST).strftime("%Y-%m")

    november, live = monthly_points("2026-11"), monthly_points(this_month)
    code, out = run("points", "--month", "2026-11", "--json")

    # 10 a case, 5 an agreement, 2 a session, 0.5 a day: M-C01 the two sessions and the 4 days (2 → 6 Nov, its
    # escalation) of attempt 1; M-S01 the case, its agreement, the session and the 4 days (8 → 12 Nov) of attempt 2;
    # the 2 days the case waited for 西郊's assignment are no mediator's
    assert _tallies(november.mediators) == {"M-S01": (1, 1, 1, 4, 0, 19.0), "M-C01": (0, 0, 2, 4, 0, 6.0)}
    assert _tallies(november.committees) == {"S-XIJIAO": (1, 1, 1, 4, 0, 19.0), "C-ZHAOYANG": (0, 0, 2, 4, 0, 6.0)}
    assert [m for m, _ in november.mediators] == ["M-S01", "M-C01"]
    assert _tallies(live.mediators) == {"M-S01": (0, 0, 0, 0, 5, 5.0)}  # the visit scores M-S01's agreement
    found = json.loads(out)
    assert code == 0 and [
        (m["rank"], m["code"], m["sessions"], m["days"], m["points"]) for m in found["mediators"]
    ] == [
        (1, "M-S01", 1, 4, 19.0),
        (2, "M-C01", 2, 4, 6.0),
    ]
