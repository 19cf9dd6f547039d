"""What intake decides for each record of a batch, from what the database already knows: no database here."""

from __future__ import annotations

from datetime import timedelta

from fengqiao.models.access import Caller, Role
from fengqiao.models.duplicates import Match, Report
from fengqiao.models.intake_plan import (
    Add,
    InBatch,
    Known,
    KnownTicket,
    Record,
    Refused,
    Replay,
    SameAs,
    UsedKey,
    plan_intake,
)
from tests.factories import AT, a_case, a_new_case, sample_network

NETWORK, RULES = sample_network()
REPORT = a_new_case(channel_ref="T-1", summary="楼上漏水浸湿楼下天花板")
OTHER = a_new_case(channel_ref="T-1", summary="楼上漏水，已经三个月了")
ON_FILE = a_case(id=7, case_no="FQ20260000007", channel_ref="T-1")
NOTHING = Known()  # a database that has none of these records


def a_record(new=REPORT, *, name="T-1", digest="d1", **more) -> Record:
    return Record(name, new, digest, payload={"ticket_id": new.channel_ref}, **more)


def planned(records, known=NOTHING):
    """The plan, an error shown as what the caller is told: its type, text and field."""
    plan = plan_intake(records, known, NETWORK, RULES, at=AT)
    return [(type(p.error).__name__, str(p.error), p.error.field) if isinstance(p, Refused) else p for p in plan]


def test_a_new_record_is_a_case_to_add():
    assert planned([a_record()]) == [Add(REPORT)]


def test_an_area_outside_the_network_is_refused_naming_the_record_and_its_field():
    outside = a_new_case(area_code="110101001001001")

    assert planned([a_record(outside, name="grid.jsonl:1", area_field="grid_code")]) == [
        (
            "InvalidInput",
            "record grid.jsonl:1, field grid_code: 区划代码110101001001001不在调解网络中 area code 110101001001001 "
            "is not in the network",
            "grid_code",
        )
    ]


def test_a_used_idempotency_key_replays_the_same_record_and_refuses_another():
    known = Known(keys={"K-1": UsedKey(7, "FQ20260000007", "d1")})

    same = planned([a_record(idempotency_key="K-1")], known)
    different = planned([a_record(OTHER, digest="d2", idempotency_key="K-1")], known)

    assert same == [Replay(7)]
    assert different == [
        (
            "InputConflict",
            "该 Idempotency-Key 已用于另一条记录 Idempotency-Key K-1 was already used for a different record (case FQ20260000007)",
            "Idempotency-Key",
        )
    ]


def test_a_known_ticket_replays_the_same_record_and_refuses_another_naming_its_case():
    known = Known(tickets={"T-1": KnownTicket(ON_FILE, None, "d1")})

    same = planned([a_record()], known)
    different = planned([a_record(OTHER, digest="d2")], known)

    assert same == [Replay(7)]
    assert different == [
        (
            "InputConflict",
            "record T-1, field ticket_id: 工单号T-1已用于另一条记录（案件FQ20260000007） ticket id T-1 was already used "
            "for a different record (case FQ20260000007)",
            "ticket_id",
        )
    ]


def test_a_ticket_another_key_sent_tells_a_key_outside_its_jurisdiction_nothing_about_the_case():
    known = Known(tickets={"T-1": KnownTicket(ON_FILE, 1, "d1")})
    nanxi = Caller(2, "南溪接入", Role.INTEGRATOR, areas=("511503",))

    assert planned([a_record(key_id=2, caller=nanxi)], known) == [
        (
            "InputConflict",
            "record T-1, field ticket_id: 工单号T-1已由其他接入方登记 ticket id T-1 of channel grid was registered by "
            "another sender",
            "ticket_id",
        )
    ]


def test_the_same_ticket_twice_in_one_batch_is_one_case_or_a_conflict():
    first = a_record(name="grid.jsonl:1")

    same = planned([first, a_record(name="grid.jsonl:2")])
    different = planned([first, a_record(OTHER, name="grid.jsonl:2", digest="d2")])

    assert same == [Add(REPORT), SameAs(0)]
    assert different == [
        Add(REPORT),
        (
            "InputConflict",
            "record grid.jsonl:2, field ticket_id: 工单号T-1在本批中对应两条不同的记录 ticket id T-1 is used by a "
            "different record earlier in this batch (record grid.jsonl:1)",
            "ticket_id",
        ),
    ]


def test_the_same_idempotency_key_twice_in_one_batch_is_one_case():
    again = a_new_case(channel_ref="T-2")

    assert planned([a_record(idempotency_key="K-1"), a_record(again, idempotency_key="K-1")]) == [
        Add(REPORT),
        SameAs(0),
    ]


def test_a_report_of_an_open_dispute_is_added_as_its_suspected_duplicate():
    open_case = Report(9, "FQ20260000009", "511502001001", "neighbourhood", AT - timedelta(days=3), REPORT.parties)

    assert planned([a_record()], Known(open_cases=[open_case])) == [
        Add(
            REPORT,
            Match(
                9,
                "FQ20260000009",
                "same applicant (ID number) and respondent (name), same place 511502001001, same type neighbourhood, "
                "3 days apart",
            ),
        )
    ]


def test_a_second_report_in_the_same_batch_repeats_the_case_the_first_adds():
    again = a_new_case(channel_ref="T-2")

    assert planned([a_record(), a_record(again, name="T-2", digest="d2")]) == [
        Add(REPORT),
        Add(
            again,
            InBatch(
                0,
                "same applicant (ID number) and respondent (name), same place 511502001001001, same type "
                "neighbourhood, 0 days apart",
            ),
        ),
    ]


def test_a_free_text_type_is_matched_as_the_type_triage_will_store_and_never_quoted():
    """A window clerk typed free text (a name and a phone) as the type: intake compares the type
    triage will store (the default, the network having no path for it) and its reason says that code."""
    typed = "赡养纠纷 周建军 电话13912340001"
    first = a_new_case(channel_ref="T-1", declared_type=typed)
    second = a_new_case(channel_ref="T-2", declared_type=typed)
    triaged = Report(9, "FQ20260000009", "511502001001", RULES.default_type, AT - timedelta(days=1), first.parties)

    in_batch = planned([a_record(first), a_record(second, name="T-2", digest="d2")])
    after_triage = planned([a_record(second, name="T-2", digest="d2")], Known(open_cases=[triaged]))

    assert in_batch[1] == Add(
        second,
        InBatch(
            0,
            "same applicant (ID number) and respondent (name), same place 511502001001001, same type "
            "neighbourhood, 0 days apart",
        ),
    )
    assert after_triage == [
        Add(
            second,
            Match(
                9,
                "FQ20260000009",
                "same applicant (ID number) and respondent (name), same place 511502001001, same type "
                "neighbourhood, 1 days apart",
            ),
        )
    ]
