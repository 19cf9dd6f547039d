"""Case subsidies (以案定补): a month's statement in exact yuan per mediator, and tariffs that never change a closed month."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from fengqiao.config.tariff import parse_tariff_document
from fengqiao.db import cases as case_store
from fengqiao.db import session_records
from fengqiao.db.subsidies import store_tariff
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.case import Party
from fengqiao.models.clocks import CST
from fengqiao.models.errors import ConfigurationError, InvalidInput
from fengqiao.models.session_records import SessionRecord, session_move
from fengqiao.models.subsidies import Share
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Channel, HandoffTarget, Stage, Status
from fengqiao.services.runtime import engine, now
from fengqiao.services.stats import Question, figures
from fengqiao.services.subsidies import apply_tariff, monthly_statement, tariffs
from tests.factories import a_key, a_new_case
from tests.test_cli import run

SAMPLE = "config/sample_tariff.yaml"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def _move(conn, case, at: str, status: Status, stage: Stage, reason: str, rule=None, **changes):  # type: ignore[no-untyped-def]
    after = replace(case, status=status, version=case.version + 1, **changes)
    record = Transition(
        after.version, _at(at), case.status, status, stage, "test", reason, org=after.org_code, rule=rule
    )
    case_store.save_move(conn, case, after, record, flow_run_id=None)
    return after


def _case(conn, ref: str, registered: str, *, channel=Channel.GRID, people: int = 2, area: str = "511502001001001"):  # type: ignore[no-untyped-def]
    [(case, _)] = case_store.add_cases(
        conn,
        [(a_new_case(channel=channel, channel_ref=ref, people_involved=people, area_code=area), None)],
        config_version=1,
        at=_at(registered),
    )
    return case


def _assign(conn, case, at: str, org: str, mediator: str):  # type: ignore[no-untyped-def]
    return _move(
        conn,
        case,
        at,
        Status.MEDIATING,
        Stage.ASSIGNMENT,
        f"assigned to mediator {mediator} (mediator), attempt {case.attempt + 1}",  # as models.steps.assign says
        dispute_type="neighbourhood",
        org_code=org,
        mediator=mediator,
        attempt=case.attempt + 1,
    )


def _known_set() -> dict[str, str]:
    """Cases concluded in September and October 2026 (China time), by two mediators of 朝阳 and one of 西郊."""
    with UnitOfWork(engine()) as uow:
        c = uow.conn
        # A: written agreement at the first attempt, 30 Sep 23:30 China time (15:30 UTC): September
        a = _assign(c, _case(c, "T-A", "2026-09-01 09:00"), "2026-09-01 10:00", "C-ZHAOYANG", "M-C01")
        _move(c, a, "2026-09-30 23:30", Status.RESOLVED, Stage.RESOLUTION, "agreement")
        # B: a petition, oral agreement on the spot: standard 100 + petition 1500
        b = _assign(
            c, _case(c, "T-B", "2026-09-02 09:00", channel=Channel.PETITION), "2026-09-02 10:00", "C-ZHAOYANG", "M-C02"
        )
        _move(c, b, "2026-09-03 10:00", Status.RESOLVED, Stage.RESOLUTION, "oral_agreement")
        # C: failed at 朝阳, escalated, resolved at 西郊 in September with 12 people: 100 + difficult 500 + group 2000
        cc = _assign(c, _case(c, "T-C", "2026-09-04 09:00", people=12), "2026-09-04 10:00", "C-ZHAOYANG", "M-C01")
        cc = _move(c, cc, "2026-09-10 10:00", Status.ESCALATED, Stage.ESCALATION, "failed", org_code="S-XIJIAO")
        cc = _assign(c, cc, "2026-09-11 10:00", "S-XIJIAO", "M-S01")
        _move(c, cc, "2026-09-20 10:00", Status.RESOLVED, Stage.RESOLUTION, "agreement")
        # D: failed at the top, handed to litigation in October: handed_off 50
        d = _assign(c, _case(c, "T-D", "2026-09-25 09:00"), "2026-09-25 10:00", "C-ZHAOYANG", "M-C02")
        _move(
            c,
            d,
            "2026-10-01 00:30",
            Status.HANDED_OFF,
            Stage.HANDOFF,
            "failed",
            handoff_target=HandoffTarget.LITIGATION,
        )
        # E: withdrawn: earns nothing; F: still mediating
        e = _assign(c, _case(c, "T-E", "2026-09-05 09:00"), "2026-09-05 10:00", "C-ZHAOYANG", "M-C01")
        _move(c, e, "2026-09-06 10:00", Status.WITHDRAWN, Stage.WITHDRAWAL, "withdrawn")
        _assign(c, _case(c, "T-F", "2026-09-07 09:00"), "2026-09-07 10:00", "C-ZHAOYANG", "M-C01")
        # G: a party refused once M-C01 had it; H: a party refused before any attempt: neither is mediated
        g = _assign(c, _case(c, "T-G", "2026-09-12 09:00"), "2026-09-12 10:00", "C-ZHAOYANG", "M-C01")
        refused = ("a party refused mediation, handed off to litigation", "voluntary:refused")
        _move(
            c,
            g,
            "2026-09-13 10:00",
            Status.HANDED_OFF,
            Stage.HANDOFF,
            *refused,
            handoff_target=HandoffTarget.LITIGATION,
        )
        h = _case(c, "T-H", "2026-09-14 09:00")
        _move(
            c,
            h,
            "2026-09-14 10:00",
            Status.HANDED_OFF,
            Stage.HANDOFF,
            *refused,
            handoff_target=HandoffTarget.LITIGATION,
        )
        uow.commit()
        numbers = {
            ref: uow.conn.exec_driver_sql(f"SELECT case_no FROM cases WHERE channel_ref = '{ref}'").scalar_one()
            for ref in ("T-A", "T-B", "T-C", "T-D", "T-G", "T-H")
        }
    return numbers


def _sample() -> dict:
    return parse_tariff_document(Path(SAMPLE).read_text(encoding="utf-8"), SAMPLE)


def _shares(s):  # type: ignore[no-untyped-def]
    return [
        (i.case_no, i.result, i.rules, [(p.attempt, p.mediator, p.org_code, p.yuan) for p in i.shares]) for i in s.items
    ]


def test_a_months_statement_gives_exact_yuan_per_mediator_and_a_later_tariff_leaves_it_unchanged(api, tmp_path):
    n = _known_set()
    apply_tariff(_sample(), effective_from="2026-09", source=SAMPLE)
    september = monthly_statement("2026-09")
    october = monthly_statement("2026-10")

    doubled = _sample()
    doubled["rules"] = [r | {"yuan": 2 * r["yuan"]} for r in doubled["rules"]]
    with pytest.raises(InvalidInput) as refused:
        apply_tariff(doubled, effective_from="2026-10", source="doubled")
    this_month = now().astimezone(CST).strftime("%Y-%m")
    later = apply_tariff(doubled, effective_from=this_month, source="doubled")

    code, shown = run("subsidies", "--month", "2026-09", "--out", str(tmp_path / "s.csv"))
    served = api.get("/api/v1/subsidies", params={"month": "2026-09"}, headers=a_key("coordinator")).json()
    mine = api.get(
        "/api/v1/subsidies", params={"month": "2026-09", "org": "S-XIJIAO"}, headers=a_key("admin", name="fin")
    ).json()

    # C failed at 朝阳 (M-C01) and was settled at 西郊 (M-S01): its 2600 split between the two attempts;
    # G and H were refusals (before and after an attempt began): the sample tariff pays neither
    assert _shares(september) == [
        (n["T-A"], "written", ("standard",), [(1, "M-C01", "C-ZHAOYANG", 100)]),
        (n["T-B"], "oral", ("standard", "petition"), [(1, "M-C02", "C-ZHAOYANG", 1600)]),
        (
            n["T-C"],
            "written",
            ("standard", "difficult", "group"),
            [(1, "M-C01", "C-ZHAOYANG", 1300), (2, "M-S01", "S-XIJIAO", 1300)],
        ),
    ]
    assert (september.by_mediator, september.by_org, september.total, september.share, september.provisional) == (
        {"M-C01": 1400, "M-C02": 1600, "M-S01": 1300},
        {"C-ZHAOYANG": 3000, "S-XIJIAO": 1300},
        4300,
        "split",
        False,
    )
    assert (october.by_mediator, october.total) == ({"M-C02": 50}, 50)
    assert (
        refused.value.field == "from" and "would change the closed statements of 2026-10 until" in refused.value.message
    )
    # the later tariff changes neither closed month; the current month is provisional (未结账)
    assert (later.version, monthly_statement("2026-09"), monthly_statement("2026-10")) == (2, september, october)
    assert monthly_statement(this_month).provisional is True
    assert code == 0 and "合计 total 4300 元 yuan · 案件 cases 3" in shown
    assert "以案定补 subsidies 2026-09 · 标准 tariff v1 from 2026-09, 按次分摊 split by attempt" in shown
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in shown.splitlines() if line.startswith("│")]
    assert [c[3:] for c in cells if len(c) == 6 and c[3]] == [  # who is paid: a line for each share
        ["1", "卫红 M-C01", "100"],
        ["1", "蒋平 M-C02", "1600"],
        ["1", "卫红 M-C01", "1300"],
        ["2", "郑明 M-S01", "1300"],
    ]
    assert [c for c in cells if len(c) == 2] == [
        ["卫红 M-C01", "1400"],
        ["蒋平 M-C02", "1600"],
        ["郑明 M-S01", "1300"],
        ["朝阳社区人民调解委员会 C-ZHAOYANG", "3000"],
        ["西郊街道人民调解委员会 S-XIJIAO", "1300"],
    ]
    rows = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0] == [
        "月份 month",
        "案件 case",
        "结果 result",
        "规则 rules",
        "第几次调解 attempt",
        "调委会 committee",
        "调解员 mediator",
        "金额 yuan",
    ]
    assert rows[3:5] == [
        [
            "2026-09",
            n["T-C"],
            "书面协议 written agreement",
            "一般纠纷 standard case、疑难复杂纠纷 difficult case、群体性纠纷 group dispute",
            "1",
            "朝阳社区人民调解委员会 C-ZHAOYANG",
            "卫红 M-C01",
            "1300",
        ],
        [
            "2026-09",
            n["T-C"],
            "书面协议 written agreement",
            "一般纠纷 standard case、疑难复杂纠纷 difficult case、群体性纠纷 group dispute",
            "2",
            "西郊街道人民调解委员会 S-XIJIAO",
            "郑明 M-S01",
            "1300",
        ],
    ]
    assert rows[-1] == ["2026-09", "", "", "总计 total", "", "", "", "4300"]
    assert (
        served["total"],
        served["tariff_version"],
        served["share"],
        served["provisional"],
        served["by_mediator"],
    ) == (
        4300,
        1,
        "split",
        False,
        {"M-C01": 1400, "M-C02": 1600, "M-S01": 1300},
    )
    assert served["items"][2]["shares"] == [
        {"attempt": 1, "mediator": "M-C01", "org_code": "C-ZHAOYANG", "yuan": 1300},
        {"attempt": 2, "mediator": "M-S01", "org_code": "S-XIJIAO", "yuan": 1300},
    ]
    # 西郊's statement: its share of C only
    assert (mine["total"], mine["by_mediator"], [(i["case_no"], i["yuan"]) for i in mine["items"]]) == (
        1300,
        {"M-S01": 1300},
        [(n["T-C"], 1300)],
    )


def test_a_refusal_pays_only_by_a_rule_naming_it_and_an_older_tariff_pays_the_concluding_mediator(network):
    _known_set()
    paying = _sample()
    paying["rules"].append(
        {
            "name": "refused_after_attempt",
            "label": "拒绝调解（已开始调解） refused once mediating",
            "yuan": 30,
            "results": ["refused"],
            "min_attempts": 1,
        }
    )
    apply_tariff(paying, effective_from="2026-09", source="paying")
    with_refusals = monthly_statement("2026-09")
    older = _sample()
    del older["share"]  # a row stored before `share` existed: it paid the mediator who concluded, and still does
    with UnitOfWork(engine()) as uow:
        store_tariff(uow.conn, older, effective_from="2026-09", source="older", at=now())
        uow.commit()
    concluding = monthly_statement("2026-09")

    # G was refused at its first attempt with no session recorded: that attempt never began (as 调解
    # counts it), so G earns nothing, as H, refused before any attempt (paid ones: the test below)
    assert [i for i in with_refusals.items if i.result == "refused"] == []
    assert (with_refusals.by_mediator, with_refusals.total) == ({"M-C01": 1400, "M-C02": 1600, "M-S01": 1300}, 4300)
    assert [t.share for t in tariffs()] == ["split", "concluding"]
    assert (concluding.share, concluding.by_mediator, concluding.by_org, concluding.total) == (
        "concluding",
        {"M-C01": 100, "M-C02": 1600, "M-S01": 2600},
        {"C-ZHAOYANG": 1700, "S-XIJIAO": 2600},
        4300,
    )


def _sat(conn, case, at: str):  # type: ignore[no-untyped-def]
    """A session of the case's current attempt recorded (调解笔录), as services.session_records stores it."""
    record = SessionRecord(case.attempt, _at(at), "朝阳社区调解室", ("张三", "李四"), ("蒋平",), "双方陈述", "M-C02", 1)
    session_records.add_session(conn, case.id, record, at=_at(at), key=None)
    after, move = session_move(case, record, at=_at(at))
    case_store.save_move(conn, case, after, move, flow_run_id=None)
    return after


def _counted_as_the_statistics_count() -> dict[str, str]:
    """November 2026: a grid record of ten parties under the default 1 person involved, settled in
    writing; three refusals: after a session of the first attempt, at the first attempt with no
    session, and at the second attempt with no session after a failed first."""
    refused = ("a party refused mediation, handed off to litigation", "voluntary:refused")
    with UnitOfWork(engine()) as uow:
        c = uow.conn
        named = (*(Party("applicant", f"村民{k}") for k in range(9)), Party("respondent", "某建筑公司"))
        [(p, _)] = case_store.add_cases(
            c,
            [(a_new_case(channel_ref="T-P", people_involved=1, parties=named), None)],
            config_version=1,
            at=_at("2026-11-02 09:00"),
        )
        p = _assign(c, p, "2026-11-02 10:00", "C-ZHAOYANG", "M-C01")
        _move(c, p, "2026-11-05 10:00", Status.RESOLVED, Stage.RESOLUTION, "agreement")
        s = _assign(c, _case(c, "T-S", "2026-11-03 09:00"), "2026-11-03 10:00", "C-ZHAOYANG", "M-C02")
        s = _sat(c, s, "2026-11-04 10:00")
        _move(c, s, "2026-11-06 10:00", Status.HANDED_OFF, Stage.HANDOFF, *refused, handoff_target="litigation")
        x = _assign(c, _case(c, "T-X", "2026-11-03 09:00"), "2026-11-03 10:00", "C-ZHAOYANG", "M-C02")
        _move(c, x, "2026-11-06 11:00", Status.HANDED_OFF, Stage.HANDOFF, *refused, handoff_target="litigation")
        lt = _assign(c, _case(c, "T-L", "2026-11-03 09:00"), "2026-11-03 10:00", "C-ZHAOYANG", "M-C01")
        lt = _move(c, lt, "2026-11-09 10:00", Status.ESCALATED, Stage.ESCALATION, "failed", org_code="S-XIJIAO")
        lt = _assign(c, lt, "2026-11-10 10:00", "S-XIJIAO", "M-S01")
        _move(c, lt, "2026-11-11 10:00", Status.HANDED_OFF, Stage.HANDOFF, *refused, handoff_target="litigation")
        uow.commit()
        return {
            ref: uow.conn.exec_driver_sql(f"SELECT case_no FROM cases WHERE channel_ref = '{ref}'").scalar_one()
            for ref in ("T-P", "T-S", "T-X", "T-L")
        }


def test_the_tariff_counts_people_and_attempts_as_the_statistics_do(network):
    n = _counted_as_the_statistics_count()
    paying = _sample()
    paying["rules"].append(
        {"name": "refused_after_attempt", "label": "拒绝调解（已开始调解）", "yuan": 30, "results": ["refused"],
         "min_attempts": 1}
    )  # fmt: skip
    apply_tariff(paying, effective_from="2026-11", source="paying")

    november = monthly_statement("2026-11")
    found = figures(Question("2026-11", "2026-11"), today=now().astimezone(CST).date())

    # P: 10 people (its parties), a 群体性纠纷 in the statistics, earns `group` (min_people: 10); S: its
    # refused attempt began (a session was recorded); L: its first attempt began; X: refused at its
    # first attempt with no session, which never began (min_attempts: 1 is not met); L's 30 all to M-C01,
    # whose attempt began: M-S01's, refused with no session, has no share
    assert [(i.case_no, i.result, i.rules, i.yuan) for i in november.items] == sorted(
        [
            (n["T-P"], "written", ("standard", "group"), 2100),
            (n["T-S"], "refused", ("refused_after_attempt",), 30),
            (n["T-L"], "refused", ("refused_after_attempt",), 30),
        ]
    )
    assert (november.by_mediator, november.total) == ({"M-C01": 2130, "M-C02": 30}, 2160)
    [lt] = [i for i in november.items if i.case_no == n["T-L"]]
    assert lt.shares == (Share(1, "M-C01", "C-ZHAOYANG", 30),)
    # the statistics count the same: P's 10 people, a group dispute; S, L and P mediated, not X
    assert (found["received"], found["mediated"], found["parties_involved"], found["group_disputes"]) == (
        4,
        3,
        10 + 2 + 2 + 2,
        1,
    )


def test_bad_options_are_one_line_naming_the_option_exit_2_and_write_nothing(api, tmp_path):
    _known_set()
    apply_tariff(_sample(), effective_from="2026-09", source=SAMPLE)
    out = tmp_path / "s.docx"

    unknown_org = run("subsidies", "--month", "2026-09", "--org", "C-NOPE")
    expert_pool = run("subsidies", "--month", "2026-09", "--org", "X-CITY")
    pool_served = api.get("/api/v1/subsidies", params={"month": "2026-09", "org": "X-CITY"}, headers=a_key("admin"))
    bad_month = run("subsidies", "--month", "2026-13")
    not_begun = run("subsidies", "--month", "2199-01")
    bad_format = run("subsidies", "--month", "2026-09", "--out", str(out))
    points_month = run("points", "--month", "2026-13")
    points_not_begun = run("points", "--month", "2199-01", "--json")
    served = api.get("/api/v1/subsidies", params={"month": "2026-09", "org": "C-NOPE"}, headers=a_key("coordinator"))
    this_month = now().astimezone(CST).strftime("%Y-%m")

    assert unknown_org == (
        2,
        "invalid_input: field --org: 'C-NOPE' 不是网络中的调解组织 is not an organisation of the network\n",
    )
    pool = "'X-CITY' 是专家库，不办理案件，没有以案定补 is an expert pool: it gives opinions, holds no cases and is paid nothing"
    assert expert_pool == (2, f"invalid_input: field --org: {pool}\n")
    assert (pool_served.status_code, pool_served.json()["error"]) == (
        422,
        {"code": "invalid_input", "field": "org", "message": f"field org: {pool}"},
    )
    month_error = "'2026-13' 不是月份 is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10\n"
    assert bad_month == (2, f"invalid_input: field --month: {month_error}")
    assert points_month == (2, f"invalid_input: field --month: {month_error}")
    assert (
        not_begun
        == points_not_begun
        == (
            2,
            f"invalid_input: field --month: '2199-01' 尚未开始 has not begun: 本月 this month is {this_month}\n",
        )
    )
    assert bad_format == (
        2,
        f"invalid_input: field --out: '{out}' 不支持的格式 is not a format the statement is written in: "
        ".csv, .pdf, .html\n",
    )
    assert not out.exists()
    assert (served.status_code, served.json()) == (
        422,
        {
            "error": {
                "code": "invalid_input",
                "field": "org",
                "message": "field org: 'C-NOPE' 不是网络中的调解组织 is not an organisation of the network",
            }
        },
    )


def test_a_bad_month_or_committee_is_one_line_naming_it_on_the_api_and_the_dashboards_error_page(api):
    from markupsafe import escape

    from tests.test_dashboard import sign_in

    apply_tariff(_sample(), effective_from="2026-09", source=SAMPLE)
    key = a_key("coordinator", name="bad-months")
    this_month = now().astimezone(CST).strftime("%Y-%m")

    def served(path: str, **params: str) -> tuple[int, dict]:
        answer = api.get(f"/api/v1/{path}", params=params, headers=key)
        return answer.status_code, answer.json()

    def refused(field: str, line: str) -> tuple[int, dict]:
        return 422, {"error": {"code": "invalid_input", "field": field, "message": f"field {field}: {line}"}}

    def not_a_month(text: str) -> str:
        return f"{text!r} 不是月份 is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10"

    def not_in_network(text: str) -> str:
        return f"{text!r} 不是网络中的调解组织 is not an organisation of the network"

    # the API: the line `fengqiao stats` and /stats say (models.months), not the validator's pattern
    for month in ("2026-13", "1899-12", "２０２６-01", ""):
        assert served("subsidies", month=month) == refused("month", not_a_month(month))
        assert served("points", month=month) == refused("month", not_a_month(month))
    assert served("subsidies", month="2026-09", org="") == refused("org", not_in_network(""))
    assert served("subsidies", month="2026-09", org="调委会") == refused("org", not_in_network("调委会"))
    assert served("subsidies", month="2026-09", org="C" * 65) == refused("org", not_in_network("C" * 65))

    # the dashboard: its error page, 422, with the same line; not JSON, and not headed 找不到 Not found
    sign_in(api)
    future = "2199-01"
    for path, params, line in (
        ("subsidies", {"month": "2026-13"}, refused("month", not_a_month("2026-13"))),
        ("subsidies.csv", {"month": "2026-13"}, refused("month", not_a_month("2026-13"))),
        ("subsidies.csv", {"month": "2026-09", "org": "调委会"}, refused("org", not_in_network("调委会"))),
        ("points", {"month": "2026-13"}, refused("month", not_a_month("2026-13"))),
        ("report", {"month": "2026-13"}, refused("month", not_a_month("2026-13"))),
        (
            "report",
            {"month": future},
            refused(
                "month",
                f"{future!r} 晚于本月 is after this month ({this_month}, China time): nothing is registered in it yet",
            ),
        ),
        (
            "subsidies",
            {"month": "2026-09", "org": "C" * 65},
            refused("org", not_in_network("C" * 65)),
        ),
    ):
        answer = api.get(f"/dashboard/{path}", params=params)
        said = line[1]["error"]["message"]
        assert (path, answer.status_code, answer.headers["content-type"]) == (path, 422, "text/html; charset=utf-8")
        assert f'<p id="invalid">{escape(said)}</p>' in answer.text, (path, params)
        assert "<h1>请求有误 <small>Invalid request</small></h1>" in answer.text and "找不到" not in answer.text


def test_a_committee_named_in_other_letters_gets_its_statement_in_a_file_of_a_safe_name(api):
    from fengqiao.config.network import load_network_file
    from fengqiao.services.intake import apply_configuration
    from tests.test_dashboard import sign_in

    document = load_network_file()
    document["organisations"].append(
        {"code": "C-金沙厂", "name": "金沙厂人民调解委员会", "level": "community", "parent": "S-XIJIAO",
         "area_code": "511502001003", "committee_kind": "enterprise"}
    )  # fmt: skip
    apply_configuration(document, source="a code in Chinese")
    apply_tariff(_sample(), effective_from="2026-09", source=SAMPLE)
    sign_in(api)

    answer = api.get("/dashboard/subsidies.csv", params={"month": "2026-09", "org": "C-金沙厂"})

    assert (answer.status_code, answer.headers["content-disposition"]) == (
        200,
        "attachment; filename=fengqiao-subsidies-2026-09-C-___.csv",
    )
    assert answer.content.decode("utf-8-sig").splitlines()[-1] == "2026-09,,,总计 total,,,,0"


def test_the_statement_page_csv_and_pdf(api):
    from tests.test_dashboard import sign_in

    _known_set()
    apply_tariff(_sample(), effective_from="2026-09", source=SAMPLE)
    sign_in(api)
    this_month = now().astimezone(CST).strftime("%Y-%m")

    page = api.get("/dashboard/subsidies", params={"month": "2026-09"}).text
    current = api.get("/dashboard/subsidies", params={"month": this_month}).text
    spreadsheet = api.get("/dashboard/subsidies.csv", params={"month": "2026-09", "org": "C-ZHAOYANG"})
    pdf = api.get("/dashboard/subsidies.pdf", params={"month": "2026-09"})
    unknown = api.get("/dashboard/subsidies", params={"month": "2026-09", "org": "C-NOPE"})

    assert '<b id="statement-total">4300</b>' in page
    assert '<tr data-mediator="M-S01"><td>郑明 M-S01</td><td>1300</td>' in page
    assert '<tr data-org="C-ZHAOYANG"><td>朝阳社区人民调解委员会 C-ZHAOYANG</td><td>3000</td>' in page
    assert "<td>口头协议 oral agreement</td><td>一般纠纷 standard case、信访案件 petition case</td>" in page
    assert "制表人 <small>prepared by</small>" in page and "审核人 <small>reviewed by</small>" in page
    assert "（盖章 <small>seal</small>）" in page and 'id="provisional"' not in page
    assert '<span class="tag" id="provisional">未结账 <small>provisional</small></span>' in current
    assert spreadsheet.content.decode("utf-8-sig").splitlines()[-1] == "2026-09,,,总计 total,,,,3000"
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert unknown.status_code == 422 and "&#39;C-NOPE&#39; 不是网络中的调解组织" in unknown.text


def test_a_tariff_that_does_not_hold_is_refused_with_its_line(network):
    text = Path(SAMPLE).read_text(encoding="utf-8").replace("results: [handed_off]", "results: [resolved]")
    line = text[: text.index("results: [resolved]")].count("\n") + 1

    with pytest.raises(ConfigurationError) as refused:
        parse_tariff_document(text, "t.yaml")
    code, said = run("tariff", "apply", SAMPLE, "--from", "2026-13")

    assert refused.value.message == (
        f"t.yaml:{line}: rules.4.results.0: 取值不在允许范围 Input should be 'written', 'oral', 'handed_off' or 'refused'"
    )
    assert (code, json.dumps(said.strip(), ensure_ascii=False)) == (
        2,
        json.dumps(
            "invalid_input: field --from: '2026-13' 不是月份 is not a month: write YYYY-MM, 1900-01 to 2199-12, "
            "e.g. 2026-10",
            ensure_ascii=False,
        ),
    )


def test_a_case_reopened_and_concluded_again_by_another_mediator_leaves_the_closed_month_as_it_was(network):
    n = _known_set()
    apply_tariff(_sample(), effective_from="2026-09", source=SAMPLE)
    before = monthly_statement("2026-09")
    this_month = now().astimezone(CST).strftime("%Y-%m")
    with UnitOfWork(engine()) as uow:
        a = case_store.find_case(uow.conn, n["T-A"])
        a = _move(uow.conn, a, "2026-10-02 09:00", Status.CLOSED, Stage.CLOSING, "agreement archived")
        a = _move(uow.conn, a, "2026-10-20 09:00", Status.TRIAGED, Stage.FOLLOW_UP, "not honoured", mediator=None)
        a = _assign(uow.conn, a, "2026-10-21 09:00", "C-ZHAOYANG", "M-C02")
        _move(uow.conn, a, "2026-10-22 09:00", Status.RESOLVED, Stage.RESOLUTION, "agreement")
        uow.commit()

    after = monthly_statement("2026-09")

    assert after == before  # still credited to M-C01, who held it when it first concluded
    assert [i.case_no for i in monthly_statement("2026-10").items] == [n["T-D"]]  # counted once, in September
    assert monthly_statement(this_month).items == ()


def in_nanxi() -> str:
    """Beside the known set (all in 翠屏区 511502): T-N of 南溪区 (511503), settled at 仙峰 by M-C06 on
    9 Sep a day after its assignment: a written agreement, standard 100 yuan."""
    with UnitOfWork(engine()) as uow:
        c = uow.conn
        x = _case(c, "T-N", "2026-09-08 09:00", area="511503001001001")
        x = _assign(c, x, "2026-09-08 10:00", "C-XIANFENG", "M-C06")
        _move(c, x, "2026-09-09 10:00", Status.RESOLVED, Stage.RESOLUTION, "agreement")
        uow.commit()
        return str(x.case_no)


def test_a_statement_holds_only_the_cases_of_the_callers_jurisdiction_and_refuses_a_committee_outside_it(api):
    from tests.test_dashboard import sign_in

    n = _known_set()
    nanxi = in_nanxi()
    apply_tariff(_sample(), effective_from="2026-09", source=SAMPLE)
    city, admin = a_key("coordinator", name="city"), a_key("admin", name="fin")
    district = a_key("coordinator", name="nanxi", areas=("511503",))
    with_xijiao = a_key("coordinator", name="nanxi-xijiao", areas=("511503",), orgs=("S-XIJIAO",))

    def served(key, **params):  # type: ignore[no-untyped-def]
        return api.get("/api/v1/subsidies", params={"month": "2026-09", **params}, headers=key)

    def summed(answer):  # type: ignore[no-untyped-def]
        s = answer.json()
        return s["total"], s["by_mediator"], s["by_org"], [(i["case_no"], i["yuan"]) for i in s["items"]]

    outside = served(district, org="C-ZHAOYANG")
    case_a = api.get(f"/api/v1/cases/{n['T-A']}", headers=district)

    everything = (
        4400,
        {"M-C01": 1400, "M-C02": 1600, "M-C06": 100, "M-S01": 1300},
        {"C-XIANFENG": 100, "C-ZHAOYANG": 3000, "S-XIJIAO": 1300},
        sorted([(n["T-A"], 100), (n["T-B"], 1600), (n["T-C"], 2600), (nanxi, 100)]),
    )
    assert summed(served(admin)) == summed(served(city)) == everything
    assert monthly_statement("2026-09").total == 4400  # the command line's operator: unscoped
    assert summed(served(district)) == (100, {"M-C06": 100}, {"C-XIANFENG": 100}, [(nanxi, 100)])
    # 西郊's key also sees C, which 西郊 holds: the whole case, both attempts' shares
    assert summed(served(with_xijiao)) == (
        2700,
        {"M-C01": 1300, "M-C06": 100, "M-S01": 1300},
        {"C-XIANFENG": 100, "C-ZHAOYANG": 1300, "S-XIJIAO": 1300},
        sorted([(n["T-C"], 2600), (nanxi, 100)]),
    )
    assert summed(served(with_xijiao, org="S-XIJIAO")) == (
        1300,
        {"M-S01": 1300},
        {"S-XIJIAO": 1300},
        [(n["T-C"], 1300)],
    )
    assert summed(served(district, org="C-XIANFENG")) == (100, {"M-C06": 100}, {"C-XIANFENG": 100}, [(nanxi, 100)])
    assert summed(served(admin, org="C-ZHAOYANG"))[0] == 3000
    assert (outside.status_code, outside.json()) == (
        422,
        {
            "error": {
                "code": "invalid_input",
                "field": "org",
                "message": "field org: 调解组织 C-ZHAOYANG 不在密钥 nanxi 的辖区内 "
                "organisation C-ZHAOYANG is outside the jurisdiction of key nanxi",
            }
        },
    )
    assert served(with_xijiao, org="C-ZHAOYANG").status_code == 422
    assert case_a.status_code == 404  # the same key sees none of 翠屏区's cases

    # the dashboard's page, CSV and refusal for the district's key
    sign_in(api, areas=("511503",), name="nanxi-board")
    page = api.get("/dashboard/subsidies", params={"month": "2026-09"}).text
    spreadsheet = api.get("/dashboard/subsidies.csv", params={"month": "2026-09"}).content.decode("utf-8-sig")
    refused = api.get("/dashboard/subsidies", params={"month": "2026-09", "org": "C-ZHAOYANG"})

    assert '<b id="statement-total">100</b>' in page and nanxi in page
    assert [x for x in (n["T-A"], n["T-B"], n["T-C"], "C-ZHAOYANG", "M-C01") if x in page + spreadsheet] == []
    assert spreadsheet.splitlines()[-1] == "2026-09,,,总计 total,,,,100"
    assert refused.status_code == 422 and (
        "调解组织 C-ZHAOYANG 不在密钥 nanxi-board 的辖区内 "
        "organisation C-ZHAOYANG is outside the jurisdiction of key nanxi-board" in refused.text
    )
