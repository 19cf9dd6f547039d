"""The rules of 并单 as plain functions: who counts as the same party, what counts as the same place."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fengqiao.models.case import Party
from fengqiao.models.duplicates import DuplicateRules, Report, find_duplicate, same_parties, same_place
from tests.factories import AT

A, R = "applicant", "respondent"


@pytest.mark.parametrize(
    "new, old, why",
    [
        ((Party(R, "宜宾 顺达公司"),), (Party(R, "宜宾顺达公司"),), "same respondent (name)"),
        ((Party(R, "ＡＢＣ公司"),), (Party(R, "abc公司"),), "same respondent (name)"),
        ((Party(R, "王五", "511502198503120010"),), (Party(R, "王五", "511502199207080020"),), None),
        ((Party(A, "张三"),), (Party(A, "张三"),), None),  # a common name alone is not the same applicant
        (
            (Party(A, "张三", None, "13800001111"),),
            (Party(A, "张叁", None, "13800001111"),),
            "same applicant (phone), one report names no respondent",
        ),
        (
            (Party(A, "张三", None, "13800001111"), Party(R, "李四")),
            (Party(A, "张三", None, "13800001111"), Party(R, "王五")),
            None,
        ),
        (
            (Party(A, "张三", "511502198503120010"), Party(R, "李四")),
            (Party(A, "张三", "511502198503120010"), Party(R, "李四")),
            "same applicant (ID number) and respondent (name)",
        ),
    ],
)
def test_who_counts_as_the_same_party(new, old, why):
    assert same_parties(new, old) == why


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("511502001001001", "511502001001", True),
        ("511502001001001", "511502001002001", True),  # the same street
        ("511502001001", "511502002001", False),
        ("511502", "511502001001", False),  # a district is too coarse to call it one place
    ],
)
def test_the_same_place_is_the_same_street_or_closer(a, b, same):
    assert same_place(a, b, 9) is same


def test_the_earliest_open_case_within_the_window_is_the_original():
    parties = (Party(R, "甲公司"),)
    older = Report(1, "FQ1", "511502001001", "labour", AT - timedelta(days=20), parties)
    newer = Report(2, "FQ2", "511502001001", "labour", AT - timedelta(days=2), parties)
    too_old = Report(3, "FQ3", "511502001001", "labour", AT - timedelta(days=31), parties)
    other_type = Report(4, "FQ4", "511502001001", "contract", AT - timedelta(days=25), parties)

    match = find_duplicate(
        parties, "511502001001001", "labour", AT, [newer, too_old, other_type, older], DuplicateRules()
    )

    assert (match.case_no, match.reason) == (
        "FQ1",
        "same respondent (name), same place 511502001001, same type labour, 20 days apart",
    )
