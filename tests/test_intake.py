"""Intake on a real database: idempotency, nothing half-written, cross-channel duplicates (并单)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fengqiao.channels import adapt
from fengqiao.db import cases as case_store
from fengqiao.db import flow_runs, reports
from fengqiao.db.tables import cases, intake_records, parties, transitions
from fengqiao.db.uow import UnitOfWork
from fengqiao.flows.case import case_flow
from fengqiao.models.errors import InputConflict, InvalidInput, NotWaitingForInput
from fengqiao.models.vocabulary import Channel
from fengqiao.services import intake
from fengqiao.services.duplicates import Decision, decide_duplicate
from fengqiao.services.intake import receive
from fengqiao.services.runtime import engine
from tests.drive import timeline_of

EXAMPLES = Path(__file__).parent.parent / "examples"


def record(channel: Channel, n: int = 0, **changes):
    data = json.loads((EXAMPLES / f"{channel}.jsonl").read_text(encoding="utf-8").splitlines()[n])
    data.update(changes)
    return adapt(channel, data, record=f"{channel}:{n + 1}")


def counts() -> dict[str, int]:
    with UnitOfWork(engine()) as uow:
        return {t.name: uow.conn.scalar(select(func.count()).select_from(t)) for t in (cases, parties, intake_records)}


def test_the_same_ticket_twice_is_one_case_with_its_payload_kept(network):
    first = receive(record(Channel.HOTLINE_12345))
    again = receive(record(Channel.HOTLINE_12345))

    assert (first.created, again.created, again.case.id) == (True, False, first.case.id)
    assert counts() == {"cases": 1, "parties": 2, "intake_records": 1}
    with UnitOfWork(engine()) as uow:
        kept = reports.intake_record(uow.conn, first.case.id)
    assert kept["payload"]["ticket_id"] == "YB12345-20261102-00318"
    assert kept["payload"]["caller"] == {"name": "刘德明", "id_number": None, "phone": "13890123456"}


def test_an_idempotency_key_gives_the_same_case_and_refuses_a_different_record(network):
    first = receive(record(Channel.ONLINE), idempotency_key="k-1")
    replay = receive(record(Channel.ONLINE), idempotency_key="k-1")
    assert (replay.created, replay.case.id) == (False, first.case.id)

    with pytest.raises(InputConflict) as caught:
        receive(record(Channel.ONLINE, submission_id="WX-other", description="另一件事"), idempotency_key="k-1")

    assert caught.value.message == (
        f"该 Idempotency-Key 已用于另一条记录 Idempotency-Key k-1 was already used for a different record (case {first.case.case_no})"
    )
    assert counts() == {"cases": 1, "parties": 2, "intake_records": 1}


def test_a_record_outside_the_network_writes_nothing(network):
    with pytest.raises(InvalidInput) as caught:
        receive(record(Channel.GRID, grid_code="110101001001001"), record="grid.jsonl:1")

    assert caught.value.message == (
        "record grid.jsonl:1, field grid_code: 区划代码110101001001001不在调解网络中 area code 110101001001001 is not "
        "in the network"
    )
    assert counts() == {"cases": 0, "parties": 0, "intake_records": 0}


def test_the_same_dispute_from_another_channel_is_held_as_a_duplicate_of_the_open_case(network):
    hotline = receive(record(Channel.HOTLINE_12345)).case
    grid = receive(record(Channel.GRID))

    reason = "same respondent (name), same place 511502001001, same type labour, 0 days apart"
    assert (grid.created, grid.duplicate_of, grid.duplicate_reason) == (True, hotline.case_no, reason)
    assert (grid.case.duplicate_of, grid.case.duplicate_state) == (hotline.id, "suspected")
    assert timeline_of(grid.case.id) == [
        (
            1,
            None,
            "received",
            "intake",
            None,
            "channel:grid",
            "duplicate",
            f"received via grid ref WG-511502001001001-20261103-0012; suspected duplicate of {hotline.case_no}: "
            + reason,
        )
    ]
    assert case_flow(grid.case.id) == "held:duplicate"  # a held report runs nothing
    assert len(timeline_of(grid.case.id)) == 1
    with UnitOfWork(engine()) as uow:
        assert flow_runs.cases_without_runs(uow.conn) == [hotline.id]  # the sweep will not start it either


def test_a_third_report_makes_the_open_case_an_emergency(network):
    hotline = receive(record(Channel.HOTLINE_12345)).case
    receive(record(Channel.GRID))
    assert timeline_of(hotline.id)[-1][0] == 1  # two reports: risk unchanged

    third = receive(record(Channel.GRID, report_id="WG-again", description="工人再次聚集讨要工资"))

    assert third.duplicate_of == hotline.case_no
    assert timeline_of(hotline.id)[1] == (
        2,
        "received",
        "received",
        "duplicate",
        None,
        "fengqiao",
        "emergency:repeated_reports>=3",
        "同一纠纷第3次反映 reported 3 times: risk raised to emergency",
    )
    case_flow(hotline.id)  # triage keeps the emergency and starts the case where the path says
    triage = timeline_of(hotline.id)[2]
    assert (triage[3], triage[6]) == ("triage", "declared_by_channel;emergency:repeated_reports>=3")
    with UnitOfWork(engine()) as uow:
        assert case_store.get_case(uow.conn, hotline.id).risk == "emergency"


@pytest.mark.parametrize(
    "change, why",
    [
        ({"grid_code": "511502002001001"}, "another street"),
        ({"dispute_type": "family"}, "another type"),
        ({"parties": [{"role": "applicant", "name": "赵国强"}, {"role": "respondent", "name": "别的公司"}]}, "others"),
    ],
)
def test_a_report_that_differs_in_place_type_or_parties_is_a_case_of_its_own(network, change, why):
    receive(record(Channel.HOTLINE_12345))
    assert receive(record(Channel.GRID, **change)).duplicate_of is None, why


def test_a_report_after_the_window_is_a_case_of_its_own(network, monkeypatch):
    first = receive(record(Channel.HOTLINE_12345)).case
    monkeypatch.setattr(intake, "now", lambda: first.created_at + timedelta(days=31))
    assert receive(record(Channel.GRID)).duplicate_of is None


def test_a_supervisor_merges_a_duplicate_and_it_closes_linked(network):
    hotline = receive(record(Channel.HOTLINE_12345)).case
    grid = receive(record(Channel.GRID)).case

    after = decide_duplicate(grid.case_no, Decision.CONFIRM, actor="coordinator-01", note="同一工地同一批工人")

    assert (after.status, after.duplicate_state) == ("closed", "confirmed")
    assert timeline_of(grid.id)[1] == (
        2,
        "received",
        "closed",
        "duplicate",
        None,
        "coordinator-01",
        None,
        f"并单 merged into {hotline.case_no}",
    )
    with UnitOfWork(engine()) as uow:  # the supervisor's words are the move's note, not part of its reason
        note = uow.conn.scalar(
            select(transitions.c.note).where(transitions.c.case_id == grid.id, transitions.c.seq == 2)
        )
    assert note == "同一工地同一批工人"
    with pytest.raises(NotWaitingForInput) as caught:
        decide_duplicate(grid.case_no, Decision.SPLIT, actor="coordinator-01")
    assert (
        caught.value.message
        == f"案件 {grid.case_no} 不是待决定的疑似重复 case {grid.case_no} is not a suspected duplicate awaiting a decision"
    )


def test_a_split_duplicate_is_triaged_as_a_case_of_its_own(network):
    hotline = receive(record(Channel.HOTLINE_12345)).case
    grid = receive(record(Channel.GRID)).case

    decide_duplicate(grid.case_no, Decision.SPLIT, actor="coordinator-01")
    assert case_flow(grid.id) == "waiting:outcome"

    assert [row[1:4] for row in timeline_of(grid.id)] == [
        (None, "received", "intake"),
        ("received", "received", "duplicate"),
        ("received", "triaged", "triage"),
        ("triaged", "mediating", "assignment"),
    ]
    assert timeline_of(grid.id)[1][7] == f"分立 split from {hotline.case_no}, a dispute of its own"
    with UnitOfWork(engine()) as uow:
        assert reports.count_reports(uow.conn, hotline.id) == 1  # a split report no longer counts


def test_transitions_of_duplicates_are_counted_once(network):
    receive(record(Channel.HOTLINE_12345))
    receive(record(Channel.GRID))
    receive(record(Channel.GRID))  # the same grid report again: a replay, not a third report
    with UnitOfWork(engine()) as uow:
        assert uow.conn.scalar(select(func.count()).select_from(transitions)) == 2


def test_a_batch_links_a_report_to_a_case_of_the_same_batch_and_answers_each_record(network):
    from fengqiao.services.intake import Incoming, receive_many

    hotline = Incoming("h:1", record(Channel.HOTLINE_12345))
    answers = receive_many([hotline])
    grid_batch = [
        Incoming("g:1", record(Channel.GRID, report_id="G-new", parties=[{"role": "respondent", "name": "甲公司"}])),
        Incoming("g:2", record(Channel.GRID, report_id="G-again", parties=[{"role": "respondent", "name": "甲 公司"}])),
        Incoming("g:3", record(Channel.GRID, report_id="G-new", parties=[{"role": "respondent", "name": "甲公司"}])),
        Incoming("g:4", record(Channel.GRID, report_id="G-bad", grid_code="110101001001001")),
    ]
    first, linked, replay, bad = receive_many(grid_batch)

    assert (first.created, first.duplicate_of) == (True, None)
    assert (linked.created, linked.duplicate_of, linked.case.duplicate_of) == (True, first.case.case_no, first.case.id)
    assert (
        linked.duplicate_reason == "same respondent (name), same place 511502001001001, same type labour, 0 days apart"
    )
    assert (replay.created, replay.case.id) == (False, first.case.id)
    assert isinstance(bad, InvalidInput) and bad.field == "grid_code"
    assert answers[0].case.case_no != first.case.case_no
    assert counts() == {"cases": 3, "parties": 4, "intake_records": 3}
    assert timeline_of(linked.case.id)[0][7] == (
        f"received via grid ref G-again; suspected duplicate of {first.case.case_no}: {linked.duplicate_reason}"
    )
