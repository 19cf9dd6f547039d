"""Masking personal data wherever it is shown (ID: first 6 and last 4; phone: first 3 and last 4)."""

from __future__ import annotations


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
