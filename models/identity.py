"""Checks on the personal identifiers a channel sends: resident ID numbers and phone numbers.

A wrong ID number is usually a typing error at a window or on a phone; catching it at intake
keeps a party findable later (duplicate detection, follow-up visits). Errors are bilingual.
"""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # GB 11643-1999: W_i = 2^(17-i) mod 11
_CHECK = "10X98765432"
_MOBILE = re.compile(r"1[3-9]\d{9}")


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def check_id_number(value: str, *, today: date | None = None) -> str:
    """The 18-character resident ID number, upper-case X; ValueError says what is wrong, never the digits."""
    v = value.strip().upper()
    if len(v) == 15 and v.isdigit():
        raise ValueError("15位旧身份证号已停用，请提供18位号码 15-digit ID numbers are retired; give the 18-digit one")
    if len(v) != 18 or not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        raise ValueError("身份证号应为18位（17位数字加校验位） ID number must be 17 digits and a check character")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValueError("身份证号中的出生日期无效 ID number has an impossible birth date") from None
    if not date(1900, 1, 1) <= born <= (today or date.today()):
        raise ValueError("身份证号中的出生日期不在合理范围 ID number's birth date is out of range")
    if id_check_digit(v[:17]) != v[17]:
        raise ValueError("身份证号校验位错误 ID number's check digit is wrong")
    return v


def normalise_phone(value: str) -> str:
    """A mobile number as 11 digits, or a landline as '0area-number'; ValueError otherwise."""
    digits = re.sub(r"[\s\-()（）]", "", value.strip())
    for prefix in ("+86", "0086"):
        digits = digits.removeprefix(prefix)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if _MOBILE.fullmatch(digits):
        return digits
    area = 3 if digits[1:2] in ("1", "2") else 4  # 010 and 02x are the only 3-digit area codes
    if re.fullmatch(r"0\d+", digits) and 7 <= len(digits) - area <= 8:
        return f"{digits[:area]}-{digits[area:]}"
    raise ValueError("电话号码应为11位手机号或带区号的固定电话 phone must be an 11-digit mobile or area code + number")
