"""Choosing the mediator: specialty, grade, load within capacity, and never one with a conflict (回避)."""

from __future__ import annotations

import pytest

from fengqiao.models.assignment import choose
from fengqiao.models.case import Party
from fengqiao.models.errors import ConfigurationError
from fengqiao.models.network import Mediator, Network, Organisation, PathStep
from fengqiao.models.vocabulary import Level, Risk

STREET = Organisation("S-X", "甲街道", Level.STREET, area_code="511502001")
COMMUNITY = Organisation("C-X", "甲社区", Level.COMMUNITY, parent="S-X", area_code="511502001001")


def network(*mediators: Mediator) -> Network:
    return Network({o.code: o for o in (STREET, COMMUNITY)}, mediators, ())


A = Mediator("M-A", "甲", "C-X", ("family",), "mediator", capacity=5)
B = Mediator("M-B", "乙", "C-X", ("labour",), "mediator", capacity=5)
C = Mediator("M-C", "丙", "C-X", ("labour",), "chief", capacity=5)
S = Mediator("M-S", "丁", "S-X", ("labour",), "first", capacity=5)
WORKER = (Party("applicant", "赵工人"), Party("respondent", "宜宾顺达公司"))


def chosen(net: Network, *, load=None, risk=Risk.NORMAL, parties=WORKER, dispute_type="labour"):
    c = choose(net, COMMUNITY, dispute_type=dispute_type, risk=risk, parties=parties, open_cases=load or {})
    return c.org.code, c.mediator.code, c.rule, c.notes


def test_a_specialist_with_the_lighter_load_wins_and_grade_breaks_a_tie():
    net = network(A, B, C)
    assert chosen(net) == ("C-X", "M-C", "specialty,load,grade", ())  # equal load: the chief
    assert chosen(net, load={"M-C": 2, "M-B": 1}) == ("C-X", "M-B", "specialty,load,grade", ())
    assert chosen(net, dispute_type="traffic", load={"M-B": 1, "M-C": 1}) == ("C-X", "M-A", "specialty,load,grade", ())


def test_an_emergency_goes_to_the_most_senior_specialist_whatever_the_load():
    assert chosen(network(A, B, C), risk=Risk.EMERGENCY, load={"M-C": 4}) == ("C-X", "M-C", "specialty,grade,load", ())


def test_a_mediator_at_capacity_is_passed_over_and_when_all_are_full_the_rule_says_so():
    net = network(A, B, C)
    assert chosen(net, load={"M-C": 5, "M-B": 4})[1] == "M-B"
    assert chosen(net, load={"M-A": 5, "M-B": 6, "M-C": 5}) == (
        "C-X",
        "M-C",
        "specialty,load,grade;over_capacity",
        ("every mediator of C-X is at capacity",),
    )


def test_a_mediator_related_to_a_party_or_belonging_to_it_steps_aside():
    related = Mediator("M-C", "丙", "C-X", ("labour",), "chief", relations=("赵工人",))
    employed = Mediator("M-B", "乙", "C-X", ("labour",), affiliations=("宜宾 顺达公司",))
    assert chosen(network(A, employed, related)) == (
        "C-X",
        "M-A",
        "specialty,load,grade;conflict",
        ("stepped aside: M-B belongs to the respondent, M-C is related to the applicant",),
    )


def test_when_everyone_at_the_rung_has_a_conflict_the_organisation_above_takes_it():
    related = Mediator("M-C", "丙", "C-X", ("labour",), relations=("赵工人",))
    assert chosen(network(related, S)) == (
        "S-X",
        "M-S",
        "specialty,load,grade;conflict",
        ("stepped aside: M-C is related to the applicant",),
    )
    with pytest.raises(ConfigurationError) as caught:
        chosen(network(related))
    assert caught.value.message == (
        "C-X及其上级组织没有无利益冲突的调解员 no mediator of C-X or above is free of conflicts: M-C is related to the applicant"
    )


def test_an_organisation_at_its_capacity_still_takes_its_territorys_case_and_the_rule_says_so():
    full = Organisation("C-X", "甲社区", Level.COMMUNITY, parent="S-X", area_code="511502001001", capacity=6)
    net = Network({o.code: o for o in (STREET, full)}, (A, B, C), ())
    below = choose(net, full, dispute_type="labour", risk=Risk.NORMAL, parties=WORKER, open_cases={"M-A": 3, "M-B": 2})
    assert (below.mediator.code, below.rule, below.notes) == ("M-C", "specialty,load,grade", ())
    at = choose(net, full, dispute_type="labour", risk=Risk.NORMAL, parties=WORKER, open_cases={"M-A": 3, "M-B": 3})
    assert (at.org.code, at.mediator.code, at.rule, at.notes) == (
        "C-X",
        "M-C",
        "specialty,load,grade;org_over_capacity",
        ("C-X is at its capacity (6/6 open cases)",),
    )


POLICE_ROOM = Organisation(
    "R-P", "派出所调解室", Level.STREET, parent="S-X", area_code="511502001", channels=("police",), host="甲派出所"
)
ROOM_NET = Network({o.code: o for o in (STREET, COMMUNITY, POLICE_ROOM)}, (A, S), ())


@pytest.mark.parametrize(
    ("level", "area", "channel", "expected"),
    [
        (Level.COMMUNITY, "511502001001001", "police", "R-P"),  # stands in for a rung below its level
        (Level.STREET, "511502001001", "police", "R-P"),  # and for its own level
        (Level.DISTRICT, "511502001001", "police", None),  # never for a rung above it
        (Level.COMMUNITY, "511502001001001", "court", None),  # only for the body that refers to it
        (Level.COMMUNITY, "511502002001001", "police", None),  # only in its own area
    ],
)
def test_a_stationed_room_takes_its_own_bodys_referrals_in_its_area_at_or_below_its_level(
    level, area, channel, expected
):
    room = ROOM_NET.room_for(PathStep(level=level), area, channel)
    assert (room.code if room else None) == expected


def test_a_stationed_room_never_stands_in_for_a_rung_by_territory_alone():
    assert ROOM_NET.org_for_step(PathStep(level=Level.STREET), "511502001001").code == "S-X"
    assert ROOM_NET.room_for(PathStep(panel="P-L"), "511502001001", "police") is None
