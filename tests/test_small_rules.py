"""Small rules with exact answers: masking, settings normalisation, triage."""

from __future__ import annotations

import pytest

from fengqiao.config.settings import Settings
from fengqiao.models.papers import roads_open
from fengqiao.models.privacy import mask_id_number, mask_name, mask_phone
from fengqiao.models.triage import triage
from fengqiao.models.vocabulary import HandoffTarget, Risk
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


@pytest.mark.parametrize("rule", RULES.classify, ids=lambda r: r.name)
def test_each_keyword_rule_of_the_sample_classifies_its_own_keywords(rule):
    for keyword in rule.keywords:
        d = triage(RULES, NETWORK.paths, declared_type=None, summary=f"反映{keyword}问题", people_involved=1)
        earlier = next(r for r in RULES.classify if any(k in f"反映{keyword}问题" for k in r.keywords))
        assert (d.dispute_type, d.rule.split(";")[0]) == (earlier.dispute_type, earlier.name)


def test_a_dispute_reported_again_and_again_is_an_emergency_at_triage():
    d = triage(
        RULES, NETWORK.paths, declared_type="labour", summary="欠薪", people_involved=1, reported_risk=Risk.EMERGENCY
    )
    assert (d.risk, d.start_step, d.rule) == (Risk.EMERGENCY, 2, "declared_by_channel;emergency:repeated_reports>=3")


@pytest.mark.parametrize(
    ("dispute_type", "handed_to", "roads"),
    [
        ("family", "litigation", ["litigation"]),  # not arbitrable (仲裁法 Art. 3): no arbitration offered
        ("labour", "arbitration", ["labour_arbitration"]),  # arbitration before any court
        ("contract", "arbitration", ["agreed_arbitration", "litigation"]),  # the path's target first
        ("land", "administrative_adjudication", ["administrative_adjudication", "administrative_review"]),
        ("neighbourhood", "litigation", ["litigation"]),
        ("a_type_of_our_own", "administrative_review", ["administrative_review", "litigation"]),
        (None, None, ["litigation"]),
    ],
)
def test_the_notice_of_rights_lists_the_roads_the_law_leaves_open_for_the_dispute(dispute_type, handed_to, roads):
    assert roads_open(dispute_type, handed_to) == roads
