"""The dashboard's pages in this process, on both databases: who may look, and what each page shows."""

from __future__ import annotations

import re

from models.vocabulary import Channel, InputKind
from tests.drive import drive, register
from tests.factories import a_key, a_new_case, example_of

V1 = "/api/v1"


def sign_in(api, role: str = "coordinator", **kw) -> str:  # type: ignore[no-untyped-def]
    key = a_key(role, **kw)["Authorization"].removeprefix("Bearer ")
    answer = api.post("/dashboard/login", data={"key": key}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/dashboard/")
    return key


def hotline(n: int, **changes) -> dict:  # type: ignore[no-untyped-def]
    record = example_of("hotline_12345")
    return (
        record
        | {"ticket_id": f"YB12345-20261102-{n:05d}", "caller": {"name": f"来电人{n}", "phone": f"1380000{n:04d}"}}
        | changes
    )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_only_a_valid_coordinator_or_administrator_key_opens_the_dashboard(api):
    anonymous = api.get("/dashboard/", follow_redirects=False)
    wrong = api.post("/dashboard/login", data={"key": "fq_nope_nope"}, follow_redirects=False)
    integrator = a_key("integrator")["Authorization"].removeprefix("Bearer ")
    api.post("/dashboard/login", data={"key": integrator})
    refused = api.get("/dashboard/", follow_redirects=False)

    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/dashboard/login")
    assert (wrong.status_code, wrong.headers["location"]) == (303, "/dashboard/login?error=key")
    assert refused.status_code == 403 and "看板仅供指挥中心和管理员使用" in refused.text
    sign_in(api)
    assert api.get("/dashboard/").status_code == 200


def test_the_board_counts_open_cases_by_stage_and_level_and_filters_them(api):
    mediating_no, mediating_id = register(a_new_case(channel_ref="B-1"))
    received_no, _ = register(a_new_case(channel=Channel.PETITION, channel_ref="B-2", area_code="511503001001"))
    closed_no, closed_id = register(a_new_case(channel_ref="B-3", area_code="511502002001"))
    assert drive(mediating_no, mediating_id, []) == ["waiting:outcome"]
    assert drive(closed_no, closed_id, [(InputKind.OUTCOME, "agreement", "M-C04")])[-1] == "closed"
    sign_in(api)

    board = api.get("/dashboard/").text
    petition_only = api.get("/dashboard/board/live", params={"channel": "petition"}).text
    in_nanxi = api.get("/dashboard/board/live", params={"area": "511503"}).text

    assert re.findall(r'data-stage="(\w+)" data-level="(\w+)">(\d+)<', board) == [
        ("received", "none", "1"),
        ("mediating", "community", "1"),
    ]
    assert 'id="open-total">2<' in board
    assert re.findall(r'data-case="(\w+)" data-status="(\w+)"', board) == [
        (mediating_no, "mediating"),  # it has a due date: the most urgent first
        (received_no, "received"),
    ]
    assert 'id="open-total">1<' in petition_only and mediating_no not in petition_only
    assert re.findall(r'data-case="(\w+)"', in_nanxi) == [received_no]


def test_a_cluster_of_reports_against_one_respondent_raises_an_alert_to_acknowledge(api):
    integrator = a_key("integrator")
    numbers = [
        api.post(f"{V1}/intake/hotline_12345", json=hotline(n), headers=integrator).json()["case_no"] for n in (1, 2, 3)
    ]
    sign_in(api)

    page = text_of(api.get("/dashboard/alerts").text)
    alert_id = int(re.search(r'data-alert="(\d+)" data-kind="respondent"', api.get("/dashboard/alerts").text).group(1))
    done = api.post(
        f"/dashboard/alerts/{alert_id}/acknowledge", data={"note": "已联系劳动监察"}, follow_redirects=False
    )
    after = text_of(api.get("/dashboard/alerts").text)
    history = text_of(api.get("/dashboard/alerts", params={"show": "all"}).text)

    assert "同一被申请人集中投诉 respondent" in page
    # the second and third reports are suspected duplicates of the first, which raises its risk
    assert f"{numbers[0]} 风险等级升为紧急，涉及1人: risk raised to emergency, 1 involved" in page
    assert "7日内3件报告指向被申请人 respondent 宜***********: 3 reports within 7 days (threshold 3)" in page
    assert all(n in page for n in numbers)
    assert done.status_code == 303
    assert "同一被申请人集中投诉" not in after and "紧急风险 emergency" in after
    assert "已由 coordinator-5115 于" in history and "已联系劳动监察" in history
