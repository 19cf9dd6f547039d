"""An agreement's terms as data (Art. 29), and the follow-up visit due from its performance deadline."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from fengqiao.cli.demo_papers import file_papers
from fengqiao.db.agreements import terms_of
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.agreements import AgreementTerms, follow_up_on
from fengqiao.models.papers import TO_BE_DATED, day
from fengqiao.services.agreements import record_agreement
from fengqiao.services.documents import list_documents, read_document
from fengqiao.services.follow_up import aftercare_for
from fengqiao.services.runtime import engine, now
from tests.drive import drive
from tests.factories import a_key
from tests.paperwork import error, mediating, ready_to_agree
from tests.test_documents import squash, text_of
from tests.test_timeline_privacy import access_rows

V1 = "/api/v1"
TERMS = {
    "terms": "李四于2026年12月31日前支付张三维修费800元。",
    "amount": "800.00",
    "perform_by": "2026-12-31",
    "manner": "银行转账",
}


def test_the_follow_up_falls_due_the_day_after_the_deadline_else_the_fixed_days():
    agreed = date(2026, 11, 24)
    with_deadline = AgreementTerms(1, False, "x", "现金", Decimal("800.00"), date(2026, 12, 31))
    past_deadline = AgreementTerms(1, False, "x", "现金", None, date(2026, 11, 1))

    assert follow_up_on(agreed, with_deadline, 30) == date(2027, 1, 1)
    assert follow_up_on(agreed, past_deadline, 30) == date(2026, 11, 25)
    assert follow_up_on(agreed, AgreementTerms(1, True, "x", "当场履行"), 30) == date(2026, 12, 24)
    assert follow_up_on(agreed, None, 30) == date(2026, 12, 24)


def test_an_agreement_with_terms_is_stored_once_and_sets_the_follow_up(api):
    case_no, case_id = ready_to_agree("AGREE-TERMS")
    mediator = a_key("mediator", name="M-A01")

    first = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS, headers=mediator)
    again = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS, headers=mediator)

    assert first.status_code == 200, first.text
    assert first.json() == {
        "case_id": case_id,
        "case_no": case_no,
        "outcome": "agreement",
        "attempt": 1,
        "terms": "李*于2026年12月31日前支付张*维修费800元。",  # masked as the timeline shows it
        "amount": "800.00",
        "perform_by": "2026-12-31",
        "manner": "银行转账",
        "actor": "M-A01",
        "created": True,
    }
    assert again.json() == first.json() | {"created": False}
    with UnitOfWork(engine()) as uow:
        assert terms_of(uow.conn, case_id, 1) == AgreementTerms(
            1, False, TERMS["terms"], "银行转账", Decimal("800.00"), date(2026, 12, 31)
        )


def test_the_closed_agreement_is_visited_the_day_after_its_deadline(network):
    case_no, case_id = ready_to_agree("AGREE-VISIT")
    terms = AgreementTerms(0, False, TERMS["terms"], "银行转账", Decimal("800.00"), date(2026, 12, 31))

    rec, kept = record_agreement(case_no, terms, actor="M-A01")

    assert (rec.created, rec.input.value, rec.input.note, kept) == (
        True,
        "agreement",
        TERMS["terms"],
        replace(terms, attempt=1),
    )
    assert drive(case_no, case_id, []) == ["closed"]
    care = aftercare_for(case_no)
    assert care is not None
    assert (care.confirm_by - care.agreed_on, care.visit_on) == (timedelta(days=30), date(2027, 1, 1))


def test_other_terms_for_a_recorded_agreement_are_a_conflict_naming_the_field(api):
    case_no, case_id = ready_to_agree("AGREE-CONFLICT")
    mediator = a_key("mediator", name="M-A02")
    api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS, headers=mediator)

    other_text = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS | {"terms": "另议"}, headers=mediator)
    other_sum = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS | {"amount": "900.00"}, headers=mediator)

    assert error(other_text) == (
        409,
        {
            "code": "input_conflict",
            "message": f"已记录过不同的答复 outcome 1 of case {case_id} is already recorded as 'agreement' by M-A02",
            "field": "result",
        },
    )
    assert error(other_sum) == (
        409,
        {
            "code": "input_conflict",
            "message": f"调解协议已按其他条款记录 the agreement of case {case_no} attempt 1 is already recorded with other terms",
            "field": "terms",
        },
    )


def test_an_oral_agreement_is_recorded_as_one(api):
    case_no, _ = ready_to_agree("AGREE-ORAL")
    oral = {"oral": True, "terms": "双方互相谅解，当场握手言和。", "manner": "当场履行"}

    recorded = api.post(f"{V1}/cases/{case_no}/agreement", json=oral, headers=a_key("mediator", name="M-A03"))

    assert recorded.json()["outcome"] == "oral_agreement"
    assert (recorded.json()["amount"], recorded.json()["perform_by"]) == (None, None)


def test_an_oral_agreement_without_a_deadline_is_visited_after_the_fixed_days(network):
    case_no, case_id = ready_to_agree("AGREE-ORAL")
    record_agreement(case_no, AgreementTerms(0, True, "双方当场握手言和。", "当场履行"), actor="M-A03")

    assert drive(case_no, case_id, []) == ["closed"]
    care = aftercare_for(case_no)
    assert care is not None and care.visit_on - care.agreed_on == timedelta(days=30)


def test_terms_that_cannot_be_kept_are_refused_by_field(api):
    case_no, case_id = ready_to_agree("AGREE-BAD")
    coordinator = a_key("coordinator")

    cents = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS | {"amount": "800.005"}, headers=coordinator)
    no_manner = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS | {"manner": ""}, headers=coordinator)

    assert [error(r)[0] for r in (cents, no_manner)] == [422, 422]
    assert [error(r)[1]["field"] for r in (cents, no_manner)] == ["amount", "manner"]
    with UnitOfWork(engine()) as uow:
        assert terms_of(uow.conn, case_id, 1) is None


def test_the_command_line_records_an_agreement_with_its_terms(network):
    from typer.testing import CliRunner

    from fengqiao.cli.main import app

    case_no, case_id = ready_to_agree("AGREE-CLI")
    args = ["agreement", case_no, "--terms", "李四支付800元", "--manner", "现金", "--amount", "800"]
    runner = CliRunner()

    bad_day = runner.invoke(app, [*args, "--perform-by", "2026-13-01"])
    done = runner.invoke(app, [*args, "--perform-by", "2026-12-31", "--actor", "M-C01"])

    assert bad_day.exit_code == 2 and "a day as YYYY-MM-DD" in bad_day.output
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == f"已记录 recorded: {case_no} outcome #1 = agreement"
    with UnitOfWork(engine()) as uow:
        assert terms_of(uow.conn, case_id, 1) == AgreementTerms(
            1, False, "李四支付800元", "现金", Decimal("800.00"), date(2026, 12, 31)
        )


def test_the_agreement_printed_to_sign_is_the_paper_kept_once_it_is_recorded(api):
    """The gate asks for the signed copy before the agreement: the parties sign what fengqiao prints
    from the terms, and the 协议书 kept after recording says the same, dated the day it was reached."""
    case_no, case_id = mediating("AGREE-TO-SIGN")
    mediator = a_key("mediator", name="M-C01")

    to_sign = api.post(f"{V1}/cases/{case_no}/agreement/to-sign", json=TERMS, headers=mediator)
    file_papers(case_no, "agreement", actor="M-C01")  # the sitting, and the signed copy of that paper
    terms = AgreementTerms(0, False, TERMS["terms"], "银行转账", Decimal("800.00"), date(2026, 12, 31))
    record_agreement(case_no, terms, actor="M-C01")  # the same terms, as the API's POST …/agreement stores them
    assert drive(case_no, case_id, [])[-1] == "closed"  # the flow applies it; its papers come from the record
    _, papers = list_documents(case_no)
    _, kept = read_document(case_no, next(p.id for p in papers if p.kind == "agreement"))

    assert (to_sign.status_code, to_sign.headers["content-type"]) == (200, "application/pdf")
    agreed_on = day(now())
    assert text_of(to_sign.content).replace(squash(unicodedata.normalize("NFKC", TO_BE_DATED)), agreed_on) == text_of(
        kept
    )
    assert TERMS["terms"] in text_of(to_sign.content) and "李四" in text_of(to_sign.content)
    assert [(r[0], r[3], r[5]) for r in access_rows(case_id)][-1:] == [
        ("M-C01", "unmask", "调解协议书待签 the agreement printed for the parties to sign")
    ]


def test_no_agreement_is_printed_to_sign_for_a_case_not_waiting_for_an_outcome(api):
    case_no, _ = ready_to_agree("AGREE-NOT-WAITING")
    mediator = a_key("mediator", name="M-C01")
    assert api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS, headers=mediator).status_code == 200

    again = api.post(f"{V1}/cases/{case_no}/agreement/to-sign", json=TERMS, headers=mediator)
    blank = api.post(f"{V1}/cases/{case_no}/agreement/to-sign", json=TERMS | {"manner": " "}, headers=mediator)

    assert error(again) == (
        409,
        {
            "code": "not_waiting_for_input",
            "message": f"没有待签的调解协议 case {case_no} has no attempt under way waiting for its outcome",
            "field": "case",
        },
    )
    assert error(blank)[0] == 422
