"""Resident ID numbers (GB 11643 check digit, birth date) and phone numbers, with their exact errors."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.models.identity import check_id_number, id_check_digit, normalise_phone

TODAY = date(2026, 11, 23)


def test_the_check_digit_of_the_standards_example():
    # GB 11643-1999's own example: 11010519491231002X
    assert id_check_digit("11010519491231002") == "X"
    assert check_id_number("11010519491231002x", today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize(
    "value, message",
    [
        ("110105194912310021", "身份证号校验位错误 ID number's check digit is wrong"),
        ("110105194913310029", "身份证号中的出生日期无效 ID number has an impossible birth date"),
        ("110105202712310023", "身份证号中的出生日期不在合理范围 ID number's birth date is out of range"),
        (
            "110105491231002",
            "15位旧身份证号已停用，请提供18位号码 15-digit ID numbers are retired; give the 18-digit one",
        ),
        ("11010519491231002", "身份证号应为18位（17位数字加校验位） ID number must be 17 digits and a check character"),
        (
            "1101051949123100XX",
            "身份证号应为18位（17位数字加校验位） ID number must be 17 digits and a check character",
        ),
    ],
)
def test_a_wrong_id_number_says_what_is_wrong(value, message):
    with pytest.raises(ValueError) as caught:
        check_id_number(value, today=TODAY)
    assert str(caught.value) == message


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.from_regex(r"[1-6]\d{5}", fullmatch=True),
    st.from_regex(r"\d{3}", fullmatch=True),
    st.integers(0, 16),
    st.integers(1, 9),
)
def test_any_valid_number_passes_and_any_one_digit_typo_is_caught(born, area, seq, position, delta):
    first17 = f"{area}{born:%Y%m%d}{seq}"
    valid = first17 + id_check_digit(first17)
    assert check_id_number(valid, today=TODAY) == valid
    typo = list(valid)
    typo[position] = str((int(typo[position]) + delta) % 10)
    with pytest.raises(ValueError):  # a wrong date or, failing that, the check digit catches it
        check_id_number("".join(typo), today=TODAY)


@pytest.mark.parametrize(
    "value, normalised",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0831-2345678", "0831-2345678"),
        ("(0831)23456789", "0831-23456789"),
        ("010 12345678", "010-12345678"),
    ],
)
def test_phone_numbers_are_normalised(value, normalised):
    assert normalise_phone(value) == normalised


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "abc", "", "0831-12"])
def test_a_wrong_phone_number_is_refused(value):
    with pytest.raises(ValueError) as caught:
        normalise_phone(value)
    assert str(caught.value) == (
        "电话号码应为11位手机号或带区号的固定电话 phone must be an 11-digit mobile or area code + number"
    )
