"""Masking personal data wherever it is shown (ID: first 6 and last 4; phone: first 3 and last 4).

One set of patterns serves the masking (mask_text) and the audit scan (unmasked_in): the scan finds
exactly what masking changes, so no spelling is masked but unseen by the tests, or seen but shown.
Both read the spellings people write: full-width digits (５１１５０２…, ｘ), a space or hyphen
between the groups (511502 19850101 1232, 139-1234-0001, 139 1234 0001), a country code
(+86, 86, 0086), letters glued before or after (ID511502…: then only with a right check digit,
so a police number like JQ511502202611050087 stays whole), and addresses after 地址/住址/住所/居住地
with a colon, or after 家住/现住 (not 现住院). Masking keeps each character in its place except the
hidden digits, which become `*`, so the shape stays: 511502 ******** 1232, +86139****0001.
UUIDs and long hexadecimal strings (run ids, digests) are never read as numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－‐‑–−　", "0123456789Xx+----- ")
_OPAQUE = re.compile(
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"|(?<![0-9A-Za-z])[0-9A-Fa-f]{32,}(?![0-9A-Za-z])"
)
_SEP = r"[ -]?"
ID_NUMBER = re.compile(rf"(?<!\d)\d{{6}}{_SEP}(\d{{8}}){_SEP}\d{{3}}[\dXx](?!\d)")
MOBILE = re.compile(rf"(?<!\d)(?:(?:\+|00)?86{_SEP})?1[3-9]\d{_SEP}(\d{{4}}){_SEP}\d{{4}}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(?:0\d{2,3}[ -]|\(0\d{2,3}\) ?)(\d{3,4})\d{4}(?!\d)")
ADDRESS = re.compile(
    r"(?P<label>(?:地址|住址|住所地?|居住地)\s*[：:]\s*|(?:家住|现住)(?![院址所])[在于]?\s*[：:]?\s*)"
    r"(?P<rest>[^；;，,。\s\\<>\"')）\]】][^；;，,。\n\\<>\"')）\]】]*)"  # to a stop, markup, a quote or a bracket
)
_ADDRESS_MASKED = re.compile(r".{0,3}\*\*\*")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


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


def id_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number (GB 11643): ISO 7064 MOD 11-2 over the first 17 digits."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class Found:
    """A number shown whole: where it is in the text, and which of its characters masking hides."""

    kind: str  # id_number | mobile | landline
    start: int
    end: int
    hidden: range


def _glued_to_letters(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())


def _is_id_number(text: str, m: re.Match[str]) -> bool:
    """Eighteen digits touching letters are an ID number only with the right check digit."""
    if not _glued_to_letters(text, m.start(), m.end()):
        return True
    digits = re.sub(r"[ -]", "", m.group())
    return id_check_digit(digits[:17]) == digits[17].upper()


def _numbers(text: str) -> list[Found]:
    """Every ID number, mobile and landline shown whole, IDs first (a mobile is never read inside an ID)."""
    seen = _OPAQUE.sub(lambda m: "_" * len(m.group()), text.translate(_HALF_WIDTH))
    found: list[Found] = []
    for kind, pattern in (("id_number", ID_NUMBER), ("mobile", MOBILE), ("landline", LANDLINE)):
        now = [
            Found(kind, m.start(), m.end(), range(m.start(1), m.end(1)))
            for m in pattern.finditer(seen)
            if kind != "id_number" or _is_id_number(seen, m)
        ]
        found += now
        chars = list(seen)
        for f in now:
            chars[f.hidden.start : f.hidden.stop] = "*" * len(f.hidden)
        seen = "".join(chars)
    return sorted(found, key=lambda f: f.start)


def _hide_numbers(text: str) -> str:
    chars = list(text)
    for f in _numbers(text):
        chars[f.hidden.start : f.hidden.stop] = "*" * len(f.hidden)
    return "".join(chars)


def _mask_address(m: re.Match[str]) -> str:
    rest = m.group("rest")
    return m.group() if _ADDRESS_MASKED.fullmatch(rest) else m.group("label") + rest[:3] + "***"


def mask_text(text: str, names: tuple[str, ...] = ()) -> str:
    """Free text (a summary, a note) with ID numbers, phones, addresses and the parties' names masked."""
    text = ADDRESS.sub(_mask_address, _hide_numbers(text))
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text


def unmasked_in(text: str) -> list[str]:
    """What mask_text would hide, as written: ID numbers, mobiles, landlines and addresses shown whole.

    The audit scan of every answer and log the tests see. It also reads `\\uXXXX` escapes as the
    characters they stand for, so JSON written with ensure_ascii hides nothing from it.
    """
    if "\\u" in text:
        text += "\n" + re.sub(r"\\u([0-9A-Fa-f]{4})", lambda m: chr(int(m.group(1), 16)), text)
    whole = [text[f.start : f.end] for f in _numbers(text)]
    return whole + [m.group("rest") for m in ADDRESS.finditer(_hide_numbers(text)) if m.group() != _mask_address(m)]
