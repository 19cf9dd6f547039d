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
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.clocks import CST
from fengqiao.models.errors import ConfigurationError, InvalidInput
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Channel, HandoffTarget, Stage, Status
from fengqiao.services.runtime import engine, now
from fengqiao.services.subsidies import apply_tariff, monthly_statement
from tests.factories import a_key, a_new_case
from tests.test_cli import run

SAMPLE = "config/sample_tariff.yaml"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def _move(conn, case, at: str, status: Status, stage: Stage, reason: str, **changes):  # type: ignore[no-untyped-def]
    after = replace(case, status=status, version=case.version + 1, **changes)
    record = Transition(after.version, _at(at), case.status, status, stage, "test", reason, org=after.org_code)
    case_store.save_move(conn, case, after, record, flow_run_id=None)
    return after


def _case(conn, ref: str, registered: str, *, channel=Channel.GRID, people: int = 2):  # type: ignore[no-untyped-def]
    [(case, _)] = case_store.add_cases(
        conn,
        [(a_new_case(channel=channel, channel_ref=ref, people_involved=people), None)],
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
        "assigned",
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
        uow.commit()
        numbers = {
            ref: uow.conn.exec_driver_sql(f"SELECT case_no FROM cases WHERE channel_ref = '{ref}'").scalar_one()
            for ref in ("T-A", "T-B", "T-C", "T-D")
        }
    return numbers


def _sample() -> dict:
    return parse_tariff_document(Path(SAMPLE).read_text(encoding="utf-8"), SAMPLE)


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

    assert [(i.case_no, i.mediator, i.org_code, i.result, i.rules, i.yuan) for i in september.items] == [
        (n["T-A"], "M-C01", "C-ZHAOYANG", "written", ("standard",), 100),
        (n["T-B"], "M-C02", "C-ZHAOYANG", "oral", ("standard", "petition"), 1600),
        (n["T-C"], "M-S01", "S-XIJIAO", "written", ("standard", "difficult", "group"), 2600),
    ]
    assert (september.by_mediator, september.by_org, september.total) == (
        {"M-C01": 100, "M-C02": 1600, "M-S01": 2600},
        {"C-ZHAOYANG": 1700, "S-XIJIAO": 2600},
        4300,
    )
    assert (october.by_mediator, october.total) == ({"M-C02": 50}, 50)
    assert (
        refused.value.field == "from" and "would change the closed statements of 2026-10 until" in refused.value.message
    )
    # the later tariff changes neither closed month
    assert (later.version, monthly_statement("2026-09"), monthly_statement("2026-10")) == (2, september, october)
    assert code == 0 and "合计 total 4300 元 yuan · 案件 cases 3" in shown
    rows = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0][-1] == "金额 yuan" and rows[-1][-2:] == ["总计 total", "4300"]
    assert (served["total"], served["tariff_version"], served["by_mediator"]) == (
        4300,
        1,
        {"M-C01": 100, "M-C02": 1600, "M-S01": 2600},
    )
    assert (mine["total"], [i["case_no"] for i in mine["items"]]) == (2600, [n["T-C"]])


def test_the_statement_page_csv_and_pdf(api):
    from tests.test_dashboard import sign_in

    _known_set()
    apply_tariff(_sample(), effective_from="2026-09", source=SAMPLE)
    sign_in(api)

    page = api.get("/dashboard/subsidies", params={"month": "2026-09"}).text
    spreadsheet = api.get("/dashboard/subsidies.csv", params={"month": "2026-09", "org": "C-ZHAOYANG"})
    pdf = api.get("/dashboard/subsidies.pdf", params={"month": "2026-09"})

    assert (
        '<b id="statement-total">4300</b>' in page and '<tr data-mediator="M-S01"><td>M-S01</td><td>2600</td>' in page
    )
    assert spreadsheet.content.decode("utf-8-sig").splitlines()[-1] == "2026-09,,,,,总计 total,1700"
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_a_tariff_that_does_not_hold_is_refused_with_its_line(network):
    text = Path(SAMPLE).read_text(encoding="utf-8").replace("results: [handed_off]", "results: [resolved]")
    line = text[: text.index("results: [resolved]")].count("\n") + 1

    with pytest.raises(ConfigurationError) as refused:
        parse_tariff_document(text, "t.yaml")
    code, said = run("tariff", "apply", SAMPLE, "--from", "2026-13")

    assert refused.value.message.startswith(f"t.yaml:{line}: rules.4.results.0: Input should be 'written'")
    assert (code, json.dumps(said.strip(), ensure_ascii=False)) == (
        1,
        json.dumps(
            "invalid_input: field from: '2026-13' is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10 (按月统计)",
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
