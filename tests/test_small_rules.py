"""Small rules with exact answers: masking, settings normalisation, triage, mediator choice."""

from __future__ import annotations

import pytest

from config.settings import Settings
from models.network import Mediator, choose_mediator
from models.privacy import mask_id_number, mask_name, mask_phone
from models.triage import triage
from models.vocabulary import HandoffTarget, Risk
from tests.factories import sample_network

NETWORK, RULES = sample_network()


@pytest.mark.parametrize(
    ("fn", "value", "masked"),
    [
        (mask_id_number, "110101199003074514", "110101********4514"),
        (mask_id_number, "11010119900307451X", "110101********451X"),
        (mask_id_number, "1234", "****"),
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "+8613812345678", "+86*******5678"),
        (mask_phone, "12345", "*****"),
        (mask_name, "欧阳娜娜", "欧***"),
        (mask_id_number, None, ""),
    ],
)
def test_masking(fn, value, masked):
    assert fn(value) == masked


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_mean_psycopg_3(given, used):
    assert Settings(database_url=given).resolved_database_url == used


def test_the_embedded_default_is_sqlite_under_home(tmp_path):
    assert Settings(home=tmp_path).resolved_database_url == f"sqlite:///{tmp_path / 'fengqiao.db'}"


@pytest.mark.parametrize(
    ("summary", "declared", "people", "expected"),
    [
        ("楼上漏水", None, 1, ("neighbourhood", Risk.NORMAL, 0, "default_type", None)),
        ("公司拖欠工资三个月", None, 1, ("labour", Risk.NORMAL, 0, "kw_labour", None)),
        ("公司拖欠工资三个月", "family", 1, ("family", Risk.NORMAL, 0, "declared_by_channel", None)),
        ("工人聚集讨薪", None, 3, ("labour", Risk.EMERGENCY, 2, "kw_labour;emergency:keyword:聚集", None)),
        (
            "邻里纠纷",
            None,
            10,
            ("neighbourhood", Risk.EMERGENCY, 0, "default_type;emergency:people_involved>=10", None),
        ),
        (
            "借款合同，已起诉",
            None,
            1,
            ("contract", Risk.NORMAL, -1, "not_suitable:already_in_court", HandoffTarget.LITIGATION),
        ),
        (
            "不服行政处罚决定",
            None,
            1,
            ("neighbourhood", Risk.NORMAL, -1, "not_suitable:administrative_act", HandoffTarget.ADMINISTRATIVE_REVIEW),
        ),
        ("宠物纠纷", "unknown_type", 1, ("neighbourhood", Risk.NORMAL, 0, "declared_by_channel→default_type", None)),
    ],
)
def test_triage_rules(summary, declared, people, expected):
    d = triage(RULES, NETWORK.paths, declared_type=declared, summary=summary, people_involved=people)
    assert (d.dispute_type, d.risk, d.start_step, d.rule, d.unsuitable) == expected


def test_a_specialist_wins_then_the_lighter_load_then_the_code():
    a = Mediator("M-A", "甲", "C-X", ("family",))
    b = Mediator("M-B", "乙", "C-X", ("labour",))
    c = Mediator("M-C", "丙", "C-X", ("labour",))
    assert choose_mediator([a, b, c], dispute_type="labour", open_cases={}) == b
    assert choose_mediator([a, b, c], dispute_type="labour", open_cases={"M-B": 3, "M-C": 1}) == c
    assert choose_mediator([a, b, c], dispute_type="traffic", open_cases={"M-B": 1, "M-C": 1}) == a


def test_routing_takes_the_organisation_where_the_dispute_arose():
    community = NETWORK.paths["neighbourhood"].steps[0]
    street = NETWORK.paths["neighbourhood"].steps[1]
    assert NETWORK.org_for_step(community, "511503002001001").code == "C-LONGTAN"
    assert NETWORK.org_for_step(street, "511503002001001").code == "S-LUOLONG"
