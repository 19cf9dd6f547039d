"""After an agreement: the judicial-confirmation window, the follow-up visit, and a broken agreement."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fengqiao.flows.case import case_flow
from fengqiao.models.aftercare import IfBroken
from fengqiao.models.case import Party
from fengqiao.models.clocks import CST
from fengqiao.models.errors import InputConflict, InvalidInput, NotWaitingForInput
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.follow_up import aftercare_for, record_follow_up, visits_due
from fengqiao.services.runtime import now
from tests.drive import drive, register, timeline_of
from tests.factories import a_new_case


def agreed_case(ref: str) -> tuple[str, int]:
    people = (Party("applicant", f"申请人{ref}"), Party("respondent", f"被申请人{ref}"))
    no, cid = register(a_new_case(channel_ref=ref, declared_type="neighbourhood", parties=people))
    assert drive(no, cid, [(InputKind.OUTCOME, "agreement", "M-C01")])[-1] == "closed"
    return no, cid


def test_the_window_and_the_visit_are_dated_from_the_agreement_and_the_visit_comes_due(network):
    no, _ = agreed_case("A-1")
    today = now().astimezone(CST).date()
    care = aftercare_for(no)
    assert (care.agreed_on, care.confirm_by, care.visit_on) == (
        today,
        today + timedelta(days=30),
        today + timedelta(days=30),
    )
    assert visits_due(today + timedelta(days=29)) == []
    assert [c for c, _ in visits_due(today + timedelta(days=30))] == [no]

    record_follow_up(no, honoured=True, satisfaction=5, if_broken=IfBroken.REOPEN, actor="M-C01")
    assert visits_due(today + timedelta(days=30)) == []


def test_an_honoured_agreement_is_recorded_once(network):
    no, cid = agreed_case("A-2")
    after, created = record_follow_up(no, honoured=True, satisfaction=4, if_broken=IfBroken.REOPEN, actor="M-C01")
    again, created_again = record_follow_up(no, honoured=True, satisfaction=4, if_broken=IfBroken.REOPEN, actor="x")

    assert (after.status, created, created_again, again.version) == ("closed", True, False, after.version)
    assert timeline_of(cid)[-1][1:] == (
        "closed",
        "closed",
        "follow_up",
        "C-ZHAOYANG",
        "M-C01",
        "honoured",
        "回访：协议已履行 agreement honoured; satisfaction 4/5",
    )
    with pytest.raises(InputConflict):
        record_follow_up(no, honoured=False, satisfaction=1, if_broken=IfBroken.REOPEN, actor="x")


def test_a_broken_agreement_reopens_mediation_at_the_same_rung(network):
    no, cid = agreed_case("A-3")
    record_follow_up(no, honoured=False, satisfaction=1, if_broken=IfBroken.REOPEN, actor="M-C01")

    assert case_flow(cid) == "waiting:outcome"
    assert [(*t[1:4], t[7]) for t in timeline_of(cid)[6:]] == [
        (
            "closed",
            "triaged",
            "follow_up",
            "回访：协议未履行 agreement not honoured; satisfaction 1/5; mediation re-opened",
        ),
        ("triaged", "mediating", "assignment", "assigned to mediator M-C01 (mediator), attempt 2"),
    ]


def test_a_broken_agreement_can_be_handed_off_instead(network):
    no, cid = agreed_case("A-4")
    after, _ = record_follow_up(no, honoured=False, satisfaction=2, if_broken=IfBroken.HAND_OFF, actor="M-C01")

    assert (after.status, after.handoff_target) == ("handed_off", "litigation")
    assert case_flow(cid) == "waiting:handoff_result"


def test_a_visit_without_an_agreement_or_with_a_bad_score_is_refused(network):
    no, cid = register(a_new_case(channel_ref="A-5", declared_type="neighbourhood"))
    case_flow(cid)
    with pytest.raises(NotWaitingForInput) as caught:
        record_follow_up(no, honoured=True, satisfaction=3, if_broken=IfBroken.REOPEN, actor="x")
    assert (
        caught.value.message == f"案件 {no} 没有待回访的调解协议 case {no} has no agreement awaiting a follow-up visit"
    )

    agreed, _ = agreed_case("A-6")
    with pytest.raises(InvalidInput) as bad:
        record_follow_up(agreed, honoured=True, satisfaction=6, if_broken=IfBroken.REOPEN, actor="x")
    assert bad.value.message == f"record {agreed}, field satisfaction: 满意度应为1到5 satisfaction must be 1 to 5"
