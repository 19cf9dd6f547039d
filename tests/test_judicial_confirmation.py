"""申请司法确认 (issue 17): the parties' application to a court to confirm their agreement, recorded once
through the CLI and the API, refused for a case without a written agreement or outside the window,
and counted in the official figures."""

from __future__ import annotations

import json
from datetime import timedelta

from fengqiao.models.case import Party
from fengqiao.models.clocks import CST, day_of
from fengqiao.models.vocabulary import InputKind
from fengqiao.services import judicial_confirmation
from fengqiao.services.runtime import now
from tests.drive import drive, register
from tests.factories import a_key, a_new_case
from tests.paperwork import error
from tests.test_cli import run
from tests.test_dashboard import sign_in

V1 = "/api/v1"


def _closed(ref: str, outcome: str, names: tuple[str, str], area: str = "511502001001001") -> str:
    parties = (Party("applicant", names[0]), Party("respondent", names[1]))  # not repeats of each other (并单)
    case_no, case_id = register(a_new_case(channel_ref=ref, parties=parties, area_code=area))
    assert drive(case_no, case_id, [(InputKind.OUTCOME, outcome, "M-C01")])[-1] == "closed"
    return case_no


def test_an_application_is_recorded_once_and_counted_in_the_official_figures(api):
    today = day_of(now())
    cuiping = _closed("JC-1", "agreement", ("张一", "李一"))
    nanxi = _closed("JC-2", "agreement", ("张二", "李二"), area="511503001001001")
    oral = _closed("JC-3", "oral_agreement", ("张三", "李三"))
    waiting, waiting_id = register(a_new_case(channel_ref="JC-4", parties=(Party("applicant", "张四"),)))
    assert drive(waiting, waiting_id, []) == ["waiting:outcome"]
    mediator = a_key("mediator", name="M-C01")
    url = f"{V1}/cases/{nanxi}/judicial-confirmation"
    body = {"applied_on": today.isoformat(), "court": "宜宾市南溪区人民法院"}

    by_cli = run("judicial-confirmation", cuiping)
    by_cli_again = run("judicial-confirmation", cuiping, "--on", today.isoformat())
    posted = api.post(url, json=body, headers=mediator)
    posted_again = api.post(url, json=body, headers=mediator)
    other_court = api.post(url, json=body | {"court": "南溪区人民法院"}, headers=mediator)
    for_oral = api.post(f"{V1}/cases/{oral}/judicial-confirmation", json={}, headers=mediator)
    for_waiting = run("judicial-confirmation", waiting)
    tomorrow = api.post(
        f"{V1}/cases/{oral}/judicial-confirmation",
        json={"applied_on": str(today + timedelta(days=1))},
        headers=mediator,
    )
    month = now().astimezone(CST).strftime("%Y-%m")
    city = json.loads(run("stats", "--json", "--from", month, "--to", month)[1])
    centre = a_key("coordinator", name="city")
    in_nanxi = api.get(f"{V1}/stats", params={"from": month, "to": month, "region": "511503"}, headers=centre)
    earlier = json.loads(run("stats", "--json", "--to", "2026-01")[1])
    sign_in(api)
    page = api.get("/dashboard/stats").text
    report = api.get("/dashboard/report", params={"month": month}).text

    assert by_cli == (
        0,
        f"已记录 recorded: {cuiping} 申请司法确认 applied for judicial confirmation on {today} to 翠屏区人民法院 "
        "(attempt 1)\n",
    )
    assert by_cli_again == (
        0,
        f"此前已记录 already recorded: {cuiping} 申请司法确认 applied for judicial confirmation on {today} to "
        "翠屏区人民法院 (attempt 1)\n",
    )
    assert posted.status_code == 200, posted.text
    assert posted.json() == {
        "case_no": nanxi,
        "case_id": posted.json()["case_id"],
        "attempt": 1,
        "applied_on": today.isoformat(),
        "court": "宜宾市南溪区人民法院",
        "actor": "M-C01",
        "created": True,
    }
    assert posted_again.json() == posted.json() | {"created": False}
    assert error(other_court) == (
        409,
        {
            "code": "input_conflict",
            "field": "court",
            "message": f"司法确认申请已记录 case {nanxi}'s application for judicial confirmation is already recorded: {today} to "
            "宜宾市南溪区人民法院, by M-C01",
        },
    )
    assert error(for_oral) == (
        409,
        {
            "code": "oral_agreement_not_confirmable",
            "field": "case",
            "message": f"案件 {oral} 以口头协议结案，口头协议不申请司法确认（人民调解法第三十三条确认的是调解协议书） "
            f"case {oral} was closed with an oral agreement: judicial confirmation (People's Mediation Law Art. 33) "
            "is for a written mediation agreement",
        },
    )
    assert for_waiting == (
        1,
        f"not_confirmable: 案件 {waiting} 没有可申请司法确认的调解协议 case {waiting} has no agreement to confirm: "
        "申请司法确认 needs a case closed with a written agreement\n",
    )
    assert error(tomorrow)[0] == 409  # an oral agreement is refused before its date is looked at
    assert city["judicial_confirmation_applied"] == 2
    assert city["agreements"] == {"total": 3, "written": 2, "oral": 1}
    assert city["definitions"]["judicial_confirmation_applied"] == {
        "label": "申请司法确认 applied for judicial confirmation",
        "definition": "达成调解协议后当事人共同向人民法院申请司法确认的件数（人民调解法第三十三条） cases whose "
        "parties jointly applied to a court to confirm their agreement (People's Mediation Law Art. 33), a case once",
    }
    assert in_nanxi.json()["judicial_confirmation_applied"] == 1
    assert earlier["judicial_confirmation_applied"] == 0
    assert (
        '<tr data-figure="judicial_confirmation_applied"><th>申请司法确认 applied for judicial confirmation</th>'
        "<td>2</td>" in page
    )
    assert "群体性纠纷 <b>0</b> 件，申请司法确认 <b>2</b> 件；" in report


def test_an_oral_agreement_shows_no_confirmation_window_and_a_written_one_shows_its_last_day(network):
    today = day_of(now())
    written = _closed("JC-5", "agreement", ("张五", "李五"))
    oral = _closed("JC-6", "oral_agreement", ("张六", "李六"))

    shown_written, shown_oral = run("case", written)[1], run("case", oral)[1]
    refused = run("judicial-confirmation", oral, "--court", "翠屏区人民法院")

    assert f"司法确认 confirm by {today + timedelta(days=30)}; 回访 visit on" in shown_written
    assert "司法确认 不适用（口头协议） judicial confirmation: not for an oral agreement; 回访 visit on" in shown_oral
    assert "confirm by" not in shown_oral
    assert refused == (
        1,
        f"oral_agreement_not_confirmable: 案件 {oral} 以口头协议结案，口头协议不申请司法确认（人民调解法第三十三条确认的是"
        f"调解协议书） case {oral} was closed with an oral agreement: judicial confirmation (People's Mediation Law "
        "Art. 33) is for a written mediation agreement\n",
    )


def test_an_application_must_lie_between_the_agreement_and_the_last_day_to_apply(api, monkeypatch):
    case_no = _closed("JC-W", "agreement", ("王一", "赵一"))
    agreed = day_of(now())
    mediator = a_key("mediator", name="M-C01")
    url = f"{V1}/cases/{case_no}/judicial-confirmation"
    later = now() + timedelta(days=31)
    monkeypatch.setattr(judicial_confirmation, "now", lambda: later)

    before = api.post(url, json={"applied_on": str(agreed - timedelta(days=1))}, headers=mediator)
    too_late = api.post(url, json={"applied_on": str(agreed + timedelta(days=31))}, headers=mediator)
    no_court = api.post(url, json={"court": " "}, headers=mediator)
    last_day = api.post(url, json={"applied_on": str(agreed + timedelta(days=30))}, headers=mediator)

    assert error(before) == (
        422,
        {
            "code": "invalid_input",
            "field": "applied_on",
            "message": f"record {case_no}, field applied_on: 申请日期不能早于调解协议日期 {agreed - timedelta(days=1)} is before the agreement "
            f"of {agreed}",
        },
    )
    assert error(too_late) == (
        422,
        {
            "code": "invalid_input",
            "field": "applied_on",
            "message": f"record {case_no}, field applied_on: 已过申请期限 {agreed + timedelta(days=31)} is after the last day "
            f"to apply, {agreed + timedelta(days=30)} (申请期限: the agreement of {agreed} and the days the network "
            "allows)",
        },
    )
    assert error(no_court)[0] == 422 and error(no_court)[1]["field"] == "court"
    assert last_day.status_code == 200 and last_day.json()["created"] is True


def test_an_application_stored_meanwhile_by_another_request_is_answered_not_stored_twice(network):
    from fengqiao.db import cases as case_store
    from fengqiao.db import judicial_confirmations as store
    from fengqiao.db.uow import UnitOfWork
    from fengqiao.models.judicial_confirmation import Application
    from fengqiao.services.runtime import engine

    case_no = _closed("JC-R", "agreement", ("钱一", "孙一"))
    first = Application(1, day_of(now()), "翠屏区人民法院", "M-C01")
    with UnitOfWork(engine()) as uow:
        case_id = case_store.find_case(uow.conn, case_no).id
        stored = store.add_application(uow.conn, case_id, first, at=now())
        uow.commit()
    with UnitOfWork(engine()) as uow:  # the check found none, but another request's insert landed first
        meanwhile = store.add_application(
            uow.conn, case_id, Application(1, first.applied_on, "别的法院", "M-C02"), at=now()
        )
        uow.commit()

    assert stored is None
    assert meanwhile == first
    assert judicial_confirmation.record_application(case_no, actor="M-C01")[1:] == (first, False)
