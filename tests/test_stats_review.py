"""A statistician's review of the figures: refusals apart from handoffs, the level agreements were reached
at, 待分流, the amount agreed, 环比 and 同比, screening counted by registration month, and bad questions."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from fengqiao.db import agreements, session_records
from fengqiao.db import cases as case_store
from fengqiao.db.tables import cases, screening_cases
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.agreements import AgreementTerms
from fengqiao.models.case import Party
from fengqiao.models.clocks import CST
from fengqiao.models.figures import REFUSAL_RULE
from fengqiao.models.session_records import SessionRecord, session_move
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Channel, HandoffTarget, Stage, Status
from fengqiao.services.due_dates import keep_due_date
from fengqiao.services.runtime import engine
from fengqiao.services.stats import Question, figures
from tests.drive import kept_and_recounted
from tests.factories import a_key, a_new_case
from tests.test_cli import EXAMPLES, run

NOVEMBER = datetime(2026, 11, 5, 9, 0, tzinfo=CST)
TODAY = date(2026, 12, 3)


def _move(conn, case, status: Status, stage: Stage, reason: str, *, rule: str | None = None, **changes):  # type: ignore[no-untyped-def]
    after = replace(case, status=status, version=case.version + 1, **changes)
    at = case.created_at + timedelta(hours=after.version)
    record = Transition(after.version, at, case.status, status, stage, "test", reason, org=after.org_code, rule=rule)
    case_store.save_move(conn, case, after, record, flow_run_id=None)
    return after


def _assigned(conn, case, org: str, attempt: int):  # type: ignore[no-untyped-def]
    return _move(
        conn, case, Status.MEDIATING, Stage.ASSIGNMENT, "assigned", dispute_type="neighbourhood", org_code=org,
        mediator="M-C01", attempt=attempt,
    )  # fmt: skip


def _cases() -> None:
    """November: two refusals (one before any attempt, one after a failed one), a failure handed to
    arbitration, an agreement of 1,234.50 yuan at the community, one left untriaged; October: one agreement."""
    with UnitOfWork(engine()) as uow:
        conn = uow.conn
        added = case_store.add_cases(
            conn, [(a_new_case(channel_ref=f"R-{n}"), None) for n in range(5)], config_version=1, at=NOVEMBER
        )
        [(october, _)] = case_store.add_cases(
            conn, [(a_new_case(channel_ref="R-oct"), None)], config_version=1, at=NOVEMBER - timedelta(days=30)
        )
        refused_first, refused_later, failed, agreed = (c for c, _ in added[:4])
        refused = "a party refused mediation, handed off to litigation"
        case = _assigned(conn, refused_first, "C-ZHAOYANG", 1)
        _move(conn, case, Status.HANDED_OFF, Stage.HANDOFF, refused, rule=REFUSAL_RULE, handoff_target="litigation")
        case = _assigned(conn, refused_later, "C-ZHAOYANG", 1)
        case = _move(conn, case, Status.ESCALATED, Stage.ESCALATION, "failed, escalated", org_code="S-XIJIAO")
        case = _assigned(conn, case, "S-XIJIAO", 2)
        _move(conn, case, Status.HANDED_OFF, Stage.HANDOFF, refused, rule=REFUSAL_RULE, handoff_target="litigation")
        case = _assigned(conn, failed, "C-ZHAOYANG", 1)
        _move(conn, case, Status.HANDED_OFF, Stage.HANDOFF, "failed", handoff_target=HandoffTarget.ARBITRATION)
        case = _assigned(conn, agreed, "C-ZHAOYANG", 1)
        terms = AgreementTerms(1, False, "赔偿修缮费", "银行转账", Decimal("1234.50"))
        agreements.add_terms(conn, case.id, terms, at=NOVEMBER)
        _move(conn, case, Status.RESOLVED, Stage.RESOLUTION, "agreement")
        case = _assigned(conn, october, "S-XIJIAO", 1)
        _move(conn, case, Status.RESOLVED, Stage.RESOLUTION, "oral_agreement")
        uow.commit()


def test_a_refusal_is_counted_apart_and_agreements_by_the_level_that_reached_them(network):
    _cases()
    kept, recounted = kept_and_recounted()
    assert kept == recounted  # the counters kept with each move equal a count from scratch

    found = figures(Question("2026-11", "2026-11"), today=TODAY)

    picked = ("received", "mediated", "agreements", "success_rate", "handed_off", "refused", "open")
    assert {k: found[k] for k in picked} == {
        "received": 5,
        # the failure, the agreement, and the refusal after a failed attempt; not the refusal at the first
        "mediated": 3,
        "agreements": {"total": 1, "written": 1, "oral": 0},
        "success_rate": round(1 / 3, 4),
        "handed_off": {"total": 1, "by_target": {"arbitration": 1}},  # after mediation: not the refusals
        "refused": 2,
        "open": 1,
    }
    assert found["by_outcome"] == {"handed_off": 1, "open": 1, "refused": 2, "resolved": 1}
    assert found["by_level"] == {"community": 1}  # 化解层级: only the one agreement, where it was reached
    assert found["by_type"] == {"neighbourhood": 4, "untriaged": 1}
    assert found["agreement_amount"] == "1234.50"
    assert found["definitions"]["refused"]["label"] == "拒绝调解 refused mediation"
    assert found["compared"] == {
        "year_to_date": {
            "from": "2026-01", "to": "2026-11", "received": 6, "mediated": 4, "agreements": 2,
            "success_rate": 0.5, "handed_off": 1, "refused": 2, "agreement_amount": "1234.50",
        },
        "previous_period": {
            "from": "2026-10", "to": "2026-10", "received": 1, "mediated": 1, "agreements": 1,
            "success_rate": 1.0, "handed_off": 0, "refused": 0, "agreement_amount": "0.00",
            "change": {
                "received": 4.0, "mediated": 2.0, "agreements": 0.0, "success_rate": -0.6667,
                "handed_off": None, "refused": None, "agreement_amount": None,
            },
        },
        "same_period_last_year": {
            "from": "2025-11", "to": "2025-11", "received": 0, "mediated": 0, "agreements": 0,
            "success_rate": None, "handed_off": 0, "refused": 0, "agreement_amount": "0.00",
            "change": dict.fromkeys(
                ("received", "mediated", "agreements", "success_rate", "handed_off", "refused", "agreement_amount")
            ),
        },
    }  # fmt: skip
    assert figures(Question(), today=TODAY)["compared"] is None  # no period, nothing to compare


def test_a_question_the_figures_cannot_answer_is_refused_naming_the_option_and_nothing_is_written(api, tmp_path):
    coordinator = a_key("coordinator")
    this_month = datetime.now(CST).strftime("%Y-%m")

    def api_error(**params: str) -> tuple[int, str, str]:
        answer = api.get("/api/v1/stats", params=params, headers=coordinator)
        error = answer.json()["error"]
        return answer.status_code, error["field"], error["message"]

    out = tmp_path / "x.xlsx"
    assert run("stats", "--region", "abc") == (
        2,
        "invalid_input: field --region: 'abc' 不是区划代码 is not an area-code prefix: 2 to 9 digits, e.g. 511502\n",
    )
    assert run("stats", "--region", "999999") == (
        2,
        "invalid_input: field --region: '999999' 不在网络内 is served by no organisation of the applied network\n",
    )
    assert run("stats", "--from", "2026-11", "--to", "2026-10") == (
        2,
        "invalid_input: field --from: '2026-11' 晚于 --to '2026-10' is after --to '2026-10'\n",
    )
    assert run("stats", "--to", "2100-01") == (
        2,
        f"invalid_input: field --to: '2100-01' 晚于本月 is after this month ({this_month}, China time): nothing is "
        "registered in it yet\n",
    )
    assert run("report", "--month", this_month, "--out", str(out)) == (
        2,
        f"invalid_input: field --out: {str(out)!r} 不支持的文件类型 is neither .pdf nor .html\n",
    )
    assert not out.exists()
    assert api_error(region="abc") == (
        422,
        "region",
        "field region: 'abc' 不是区划代码 is not an area-code prefix: 2 to 9 digits, e.g. 511502",
    )
    assert api_error(**{"from": "2026-11", "to": "2026-10"}) == (
        422,
        "from",
        "field from: '2026-11' 晚于 to '2026-10' is after to '2026-10'",
    )
    assert api_error(to="2100-01")[:2] == (422, "to")
    assert api_error(**{"from": "2026-13"}) == (
        422,
        "from",
        "field from: '2026-13' 不是月份 is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10",
    )


def test_a_ledger_keeps_its_screening_dates_and_a_past_months_case_is_not_linked_later(network):
    today = datetime.now(CST).date().isoformat()
    sweep = ("screening", "record", "--on", today, "--area", "511502002001", "--place", "白沙村", "--by", "张勇")
    assert run(*sweep, "--found", "3")[0] == 0
    imported = run("intake", str(EXAMPLES / "screening_ledger.csv"), "--channel", "grid", "--no-start-flows",
                   "--screening", "1")  # fmt: skip
    with UnitOfWork(engine()) as uow:
        [(earlier, _)] = case_store.add_cases(
            uow.conn, [(a_new_case(channel_ref="R-old"), None)], config_version=1, at=NOVEMBER - timedelta(days=30)
        )
        uow.commit()
        dates = uow.conn.execute(select(screening_cases.c.screened_on).order_by(screening_cases.c.case_id)).scalars()
        kept = [d.isoformat() for d in dates]
    late = run(*sweep, "--found", "1", "--case", earlier.case_no)
    month = today[:7]
    october = json.loads(run("stats", "--json", "--from", "2026-10", "--to", "2026-10")[1])["screening"]
    this_month = json.loads(run("stats", "--json", "--from", month, "--to", month)[1])["screening"]

    assert imported[0] == 0 and kept == ["2026-11-10", "2026-11-10"]  # the ledger's 排查日期, not the session's day
    assert late == (
        1,
        f"invalid_input: field cases: 案件 {earlier.case_no} 登记于 2026-10，该月统计已发布，不能再关联 case "
        f"{earlier.case_no} was registered in 2026-10; a month gone by keeps its published figures: link only a "
        f"case registered this month ({month})\n",
    )
    assert october["cases_registered"] == 0
    assert this_month == {"sessions": 1, "disputes_found": 3, "disputes_prevented": 0, "cases_registered": 2}


def _moved(conn, case, at: datetime, status: Status, stage: Stage, reason: str, *, rule: str | None = None, **changes):  # type: ignore[no-untyped-def]
    """A stored move at a chosen instant, its due day kept as the pipeline's steps keep it."""
    after = replace(case, status=status, version=case.version + 1, **changes)
    record = Transition(after.version, at, case.status, status, stage, "test", reason, org=after.org_code, rule=rule)
    case_store.save_move(conn, case, after, record, flow_run_id=None)
    keep_due_date(conn, case, after)
    return after


def _labour_case(conn, ref: str, assigned: datetime):  # type: ignore[no-untyped-def]
    """A labour dispute (its community rung: 15 calendar days) assigned at the community at `assigned`."""
    [(case, _)] = case_store.add_cases(
        conn, [(a_new_case(channel_ref=ref), None)], config_version=1, at=assigned - timedelta(hours=2)
    )
    case = _moved(conn, case, assigned - timedelta(hours=1), Status.TRIAGED, Stage.TRIAGE, "type labour",
                  rule="declared_by_channel", dispute_type="labour", path_step=0)  # fmt: skip
    return _moved(conn, case, assigned, Status.MEDIATING, Stage.ASSIGNMENT, "assigned to mediator M-C01 (mediator)",
                  org_code="C-ZHAOYANG", mediator="M-C01", attempt=1)  # fmt: skip


def _october_and_since() -> tuple[dict, dict]:
    """Three labour cases mediating in October, and what became of them in November: (October's 超期/临期
    before November's moves, October's after them)."""
    october = Question("2026-10", "2026-10")
    with UnitOfWork(engine()) as uow:
        conn = uow.conn
        # assigned 2 October: due 17 October, overdue at the month's end; resolved and closed in November
        overdue = _labour_case(conn, "T-overdue", datetime(2026, 10, 2, 10, tzinfo=CST))
        # assigned 5 October (due 20 October), paused 10 October for an appraisal, resumed 5 November:
        # 26 days paused, due 15 November; its clock stood still over the month's end
        paused = _labour_case(conn, "T-paused", datetime(2026, 10, 5, 10, tzinfo=CST))
        paused = _moved(conn, paused, datetime(2026, 10, 10, 10, tzinfo=CST), Status.MEDIATING, Stage.CLOCK,
                        "时限中止 clock paused: appraisal", rule="pause:appraisal")  # fmt: skip
        # assigned 18 October: due 2 November, within three days of the month's end; withdrawn in November
        soon = _labour_case(conn, "T-soon", datetime(2026, 10, 18, 10, tzinfo=CST))
        uow.commit()
    before = figures(october, today=date(2026, 11, 1))
    with UnitOfWork(engine()) as uow:
        conn = uow.conn
        _moved(conn, paused, datetime(2026, 11, 5, 10, tzinfo=CST), Status.MEDIATING, Stage.CLOCK,
               "时限恢复 clock resumed", rule="resume")  # fmt: skip
        soon = _moved(conn, soon, datetime(2026, 11, 5, 11, tzinfo=CST), Status.WITHDRAWN, Stage.WITHDRAWAL,
                      "withdrawn")  # fmt: skip
        overdue = _moved(conn, overdue, datetime(2026, 11, 10, 10, tzinfo=CST), Status.RESOLVED, Stage.RESOLUTION,
                         "written_agreement")  # fmt: skip
        _moved(conn, overdue, datetime(2026, 11, 12, 10, tzinfo=CST), Status.CLOSED, Stage.CLOSING,
               "agreement archived")  # fmt: skip
        uow.commit()
    return before, figures(october, today=TODAY)


def test_a_past_months_overdue_and_due_soon_are_as_of_its_end_and_never_change(network):
    before, after = _october_and_since()
    now = figures(Question("2026-10", TODAY.strftime("%Y-%m")), today=TODAY)
    with UnitOfWork(engine()) as uow:
        kept = uow.conn.execute(select(cases.c.channel_ref, cases.c.status, cases.c.due_on).order_by(cases.c.id)).all()

    # 31 October: the case due 17 October overdue though closed since, the one due 2 November due soon,
    # the paused one neither
    assert (before["overdue"], before["due_soon"], before["as_of"]) == (1, 1, "2026-10-31")
    assert (after["overdue"], after["due_soon"], after["as_of"]) == (1, 1, "2026-10-31")
    assert after["definitions"]["overdue"]["definition"] == (
        "2026-10-31日终（北京时间，期末；本月为今天）仍在调解且已过办理期限的件数，按当时的案件记录计算 cases mediating "
        "at the end of 2026-10-31 (China time: the period's last day, today for the current month) past their due "
        "day, as their timelines stood then"
    )
    # up to this month: as of today, from the kept due days: only the resumed case (due 15 November) is mediating
    assert [(r.channel_ref, r.status, _day(r.due_on)) for r in kept] == [
        ("T-overdue", "closed", None),
        ("T-paused", "mediating", date(2026, 11, 15)),
        ("T-soon", "withdrawn", None),
    ]
    assert (now["overdue"], now["due_soon"], now["as_of"]) == (1, 0, TODAY.isoformat())


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _session(conn, case):  # type: ignore[no-untyped-def]
    """A session of the case's current attempt recorded (调解笔录), as services.session_records stores it."""
    at = case.created_at + timedelta(hours=case.version + 1)
    record = SessionRecord(
        case.attempt, at, "朝阳社区调解室", ("张三", "李四"), ("卫红",), "双方陈述", actor="M-C01", number=1
    )
    session_records.add_session(conn, case.id, record, at=at, key=None)
    after, move = session_move(case, record, at=at)
    case_store.save_move(conn, case, after, move, flow_run_id=None)
    return after


def _refusals_with_and_without_a_session() -> None:
    """November: a party refused at the first attempt after a session was recorded, another before any
    session, a third after a failed attempt; one refused before any attempt; one agreement; one waiting."""
    refused = "a party refused mediation, handed off to litigation"
    with UnitOfWork(engine()) as uow:
        conn = uow.conn
        added = case_store.add_cases(
            conn, [(a_new_case(channel_ref=f"S-{n}"), None) for n in range(6)], config_version=1, at=NOVEMBER
        )
        sat, not_sat, later, before_any, agreed = (c for c, _ in added[:5])
        case = _session(conn, _assigned(conn, sat, "C-ZHAOYANG", 1))  # the parties sat: the attempt began
        _move(conn, case, Status.HANDED_OFF, Stage.HANDOFF, refused, rule=REFUSAL_RULE, handoff_target="litigation")
        case = _assigned(conn, not_sat, "C-ZHAOYANG", 1)  # refused before any session: it never began
        _move(conn, case, Status.HANDED_OFF, Stage.HANDOFF, refused, rule=REFUSAL_RULE, handoff_target="litigation")
        case = _assigned(conn, later, "C-ZHAOYANG", 1)
        case = _move(conn, case, Status.ESCALATED, Stage.ESCALATION, "failed, escalated", org_code="S-XIJIAO")
        case = _assigned(conn, case, "S-XIJIAO", 2)
        _move(conn, case, Status.HANDED_OFF, Stage.HANDOFF, refused, rule=REFUSAL_RULE, handoff_target="litigation")
        _move(conn, before_any, Status.HANDED_OFF, Stage.HANDOFF, refused, rule=REFUSAL_RULE,
              handoff_target="litigation")  # fmt: skip
        case = _assigned(conn, agreed, "C-ZHAOYANG", 1)
        _move(conn, case, Status.RESOLVED, Stage.RESOLUTION, "agreement")
        uow.commit()


def test_a_refusal_after_a_recorded_session_counts_in_mediated_in_every_view(api):
    from fengqiao.dashboard.reports import render_report, report_data

    _refusals_with_and_without_a_session()
    kept, recounted = kept_and_recounted()
    assert kept == recounted  # the counters kept with each move equal a count from scratch

    found = figures(Question("2026-11", "2026-11"), today=TODAY)
    code, out = run("stats", "--json", "--from", "2026-11", "--to", "2026-11")
    served = api.get("/api/v1/stats", params={"from": "2026-11", "to": "2026-11"}, headers=a_key("coordinator"))
    report = render_report(report_data("2026-11", None))

    picked = ("received", "mediated", "agreements", "success_rate", "refused", "open")
    # 调解: the refusal after a session, the refusal after a failed attempt, the agreement; not the
    # refusal before any session, nor the one before any attempt, nor the case still waiting
    expected = {
        "received": 6,
        "mediated": 3,
        "agreements": {"total": 1, "written": 1, "oral": 0},
        "success_rate": 0.3333,
        "refused": 4,
        "open": 1,
    }
    assert {k: found[k] for k in picked} == expected
    assert code == 0 and {k: json.loads(out)[k] for k in picked} == expected
    assert {k: served.json()[k] for k in picked} == expected
    definition = (
        "至少开始一次调解的件数；当事人在首次调解时拒绝调解的，已记录该次调解笔录的计入（调解已开始），未记录的不计入 "
        "cases in which at least one mediation attempt began; an attempt a party refused (拒绝调解) began if a "
        "session of it was recorded (调解笔录), and did not if none was"
    )
    assert found["definitions"]["mediated"] == {"label": "调解 mediated", "definition": definition}
    # 在办: the one case waiting; the four refusals are not (拒绝调解, whatever the court does next)
    assert found["definitions"]["open"] == {
        "label": "在办 open",
        "definition": "仍在办理（待分流、待指派、调解中、已升级）的件数；已化解、导入法治轨道、拒绝调解或撤回的不计入 "
        "cases still in hand (received, triaged, mediating or escalated); not those resolved, handed off, refused "
        "(拒绝调解) or withdrawn",
    }
    assert json.loads(out)["definitions"]["mediated"]["definition"] == definition
    assert served.json()["definitions"]["mediated"]["definition"] == definition
    assert "调解 <b>3</b> 件，调解成功 <b>1</b> 件" in report
    assert f'<tr data-figure="mediated"><th>调解 mediated</th><td>3</td><td>{definition}</td></tr>' in report


def test_parties_involved_counts_each_case_at_least_its_recorded_parties(network):
    one, two = Party("applicant", "张三"), Party("respondent", "李四")
    group = (one, two, Party("respondent", "某建筑公司"))
    known = [  # (people_involved, parties recorded): counted as
        (1, (one, two)),  # a walk-in record naming two parties under the default 1: 2
        (40, group),  # 群体性纠纷, 40 workers, three parties named: 40
        (1, ()),  # no party recorded: 1
        (5, group),  # 5
        (1, tuple(Party("applicant", f"申请人{n}") for n in range(6))),  # six applicants named: 6, a group dispute
    ]
    with UnitOfWork(engine()) as uow:
        case_store.add_cases(
            uow.conn,
            [
                (a_new_case(channel=Channel.WALK_IN, channel_ref=f"W-{n}", people_involved=people, parties=named), None)
                for n, (people, named) in enumerate(known)
            ],
            config_version=1,
            at=NOVEMBER,
        )
        uow.commit()
    kept, recounted = kept_and_recounted()
    assert kept == recounted  # the counters kept at registration equal a count from scratch

    found = figures(Question("2026-11", "2026-11"), today=TODAY)
    code, out = run("stats", "--json", "--from", "2026-11", "--to", "2026-11")

    assert (found["received"], found["parties_involved"], found["group_disputes"]) == (5, 2 + 40 + 1 + 5 + 6, 3)
    assert code == 0 and (json.loads(out)["parties_involved"], json.loads(out)["group_disputes"]) == (54, 3)
    assert found["definitions"]["parties_involved"]["definition"] == (
        "各案涉及人数之和，每案不少于登记的当事人数 people involved, summed; a case counts at least the parties "
        "recorded on it"
    )
