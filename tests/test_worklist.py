"""A mediator's worklist: the cases assigned to the mediator whose key asks, what each waits for, when due."""

from __future__ import annotations

from datetime import UTC, datetime

from fengqiao.db import cases as case_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.case import Party
from fengqiao.models.session_records import SessionRecord
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.follow_up import aftercare_for
from fengqiao.services.runtime import engine
from fengqiao.services.session_records import record_session
from tests.drive import drive, register
from tests.factories import a_key, a_new_case

V1 = "/api/v1"


def assigned(ref: str, n: int, **kw) -> tuple[str, int, str, object]:  # type: ignore[no-untyped-def]
    people = (Party("applicant", f"申请人{n}"), Party("respondent", f"被申请人{n}"))  # no repeats of one another
    case_no, case_id = register(a_new_case(channel_ref=ref, parties=people, **kw))
    assert drive(case_no, case_id, [])[-1] == "waiting:outcome"
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, case_no)
        due = uow.conn.execute(case_store.cases.select().where(case_store.cases.c.id == case_id)).one().due_on
    assert case.mediator is not None
    return case_no, case_id, case.mediator, due


def test_a_mediator_sees_its_own_cases_most_urgent_first_with_what_each_waits_for(api):
    open_no, open_id, mediator, due = assigned("WORK-1", 1)
    agreed_no, agreed_id, same, _ = assigned("WORK-2", 2)
    assert same == mediator  # the community's mediator takes both
    _, _, other, _ = assigned("WORK-3", 3, area_code="511503001001001")
    assert other != mediator
    assert drive(agreed_no, agreed_id, [(InputKind.OUTCOME, "agreement", mediator)])[-1] == "closed"
    sitting = SessionRecord(
        1, datetime(2026, 11, 24, 2, tzinfo=UTC), "调解室", ("申请人1",), (mediator,), "议定。", mediator
    )
    record_session(open_no, sitting)

    mine = api.get(f"{V1}/my/cases", headers=a_key("mediator", name=mediator))
    coordinator = api.get(f"{V1}/my/cases", headers=a_key("coordinator"))

    assert mine.status_code == 200, mine.text
    items = mine.json()
    assert [i["case_no"] for i in items] == [open_no, agreed_no]
    first, second = items
    assert first == {
        "case_id": open_id,
        "case_no": open_no,
        "status": "mediating",
        "dispute_type": "neighbourhood",
        "org_code": "C-ZHAOYANG",
        "attempt": 1,
        "due_on": due.isoformat(),
        "waiting_for": {"input": "outcome", "attempt": 1},
        "next_step": "waiting:outcome",
        "sessions": 1,
        "follow_up_on": None,
    }
    assert (second["status"], second["waiting_for"], second["due_on"]) == (
        "closed",
        {"input": "follow_up", "attempt": 1},
        None,
    )
    care = aftercare_for(agreed_no)
    assert care is not None and second["follow_up_on"] == care.visit_on.isoformat()
    assert coordinator.status_code == 403
