"""Masking personal data wherever it is shown (ID: first 6 and last 4; phone: first 3 and last 4)."""

from __future__ import annotations

import re

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-)\d{3,4}(\d{4})(?!\d)")
ADDRESS = re.compile(r"(地址[：:])([^；;，,。\n]+)")


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_text(text: str, names: tuple[str, ...] = ()) -> str:
    """Free text (a summary) with ID numbers, phones, addresses and the parties' names masked."""
    text = ID_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    text = LANDLINE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    text = ADDRESS.sub(lambda m: m.group(1) + m.group(2)[:3] + "***", text)
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text


UNMASKED_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
UNMASKED_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def unmasked_in(text: str) -> list[str]:
    """The resident ID numbers and mobile numbers that appear whole in a text (what a scan looks for)."""
    return UNMASKED_ID.findall(text) + UNMASKED_MOBILE.findall(text)
