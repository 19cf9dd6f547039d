"""Masking free text and the audit scan: one set of patterns, every common spelling (hypothesis)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.models.privacy import id_check_digit, mask_text, unmasked_in

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘ", "0123456789X")


def plain(text: str) -> str:
    """Half-width, without spaces or hyphens: how a number reads whatever its spelling."""
    return re.sub(r"[\s-]", "", text.translate(HALF_WIDTH))


@pytest.mark.parametrize(
    ("text", "masked", "found"),
    [
        ("身份证ID511502198501011232。", "身份证ID511502********1232。", ["511502198501011232"]),
        ("证号 511502 19850101 1232；", "证号 511502 ******** 1232；", ["511502 19850101 1232"]),
        ("证号511502-19850101-1232", "证号511502-********-1232", ["511502-19850101-1232"]),
        ("电话+8613912340001", "电话+86139****0001", ["+8613912340001"]),
        ("电话8613912340001", "电话86139****0001", ["8613912340001"]),
        ("tel:0086 139 1234 0001", "tel:0086 139 **** 0001", ["0086 139 1234 0001"]),
        ("电话139-1234-0001，", "电话139-****-0001，", ["139-1234-0001"]),
        ("电话139 1234 0001", "电话139 **** 0001", ["139 1234 0001"]),
        ("Tel13912340001abc", "Tel139****0001abc", ["13912340001"]),
        (
            "证号５１１５０２１９８５０１０１１２３２",
            "证号５１１５０２********１２３２",
            ["５１１５０２１９８５０１０１１２３２"],
        ),
        (
            "证号５１１５０２１９７５０５０６００７Ｘ",
            "证号５１１５０２********００７Ｘ",
            ["５１１５０２１９７５０５０６００７Ｘ"],
        ),
        ("电话１３９１２３４０００１", "电话１３９****０００１", ["１３９１２３４０００１"]),
        ("座机0831-1234567", "座机0831-***4567", ["0831-1234567"]),
        ("住址：翠屏区白沙社区7组；", "住址：翠屏区***；", ["翠屏区白沙社区7组"]),
        ("地址：翠屏区白沙社区7组", "地址：翠屏区***", ["翠屏区白沙社区7组"]),
        ("住所地: 南溪区滨江路1号，", "住所地: 南溪区***，", ["南溪区滨江路1号"]),
        ("申请人家住翠屏区白沙社区7组。", "申请人家住翠屏区***。", ["翠屏区白沙社区7组"]),
        ("现住在翠屏区白沙社区", "现住在翠屏区***", ["翠屏区白沙社区"]),
        ("现住址：翠屏区白沙社区", "现住址：翠屏区***", ["翠屏区白沙社区"]),
    ],
)
def test_each_spelling_is_masked_and_the_scan_finds_it_whole(text, masked, found):
    assert (mask_text(text), unmasked_in(text), unmasked_in(mask_text(text))) == (masked, found, [])


@pytest.mark.parametrize(
    "text",
    [
        "案件FQ20260000042，FQ20261391234",
        "2026-11-05T09:12:31+08:00 至 2026-12-06",
        "金额13912.50元，共计2.4万元，4800元",
        "JQ511502202611050087",  # a police number: letters glued to eighteen digits with a wrong check digit
        "flow run abcd0139-1234-5678-90ab-cdef12345678",
        "sha256 " + "1391234000" * 4,
        "YB12345-20261102-00318",
        "患者现住院治疗",
        "地点：朝阳路18号工地",
    ],
)
def test_case_numbers_dates_amounts_and_run_ids_are_left_alone(text):
    assert (mask_text(text), unmasked_in(text)) == (text, [])


def test_the_scan_reads_unicode_escapes():
    assert unmasked_in(
        r'{"note": "\u4f4f\u5740\uff1a\u7fe0\u5c4f\u533a\u767d\u6c99", "p": "\uff11\uff13\uff19\uff11\uff12\uff13\uff14\uff10\uff10\uff10\uff11"}'
    ) == [
        "１３９１２３４０００１",
        "翠屏区白沙",
    ]


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    area = draw(st.integers(110000, 659999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)))
    order = draw(st.integers(0, 999))
    first17 = f"{area:06d}{born:%Y%m%d}{order:03d}"
    return first17 + id_check_digit(first17)


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest:09d}", st.sampled_from("3456789"), st.integers(0, 999_999_999)
)
# text around a number: Chinese, Latin letters, punctuation and spaces, but no digit (a digit would
# make the number longer, and a longer number is not an ID number or a mobile)
around = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ,.;:()，。；：、-+"),
    ),
    max_size=12,
)


def spelled(number: str, groups: tuple[int, ...], separator: str, full_width: bool) -> str:
    parts, at = [], 0
    for size in groups:
        parts.append(number[at : at + size])
        at += size
    written = separator.join(parts)
    return written.translate(FULL_WIDTH) if full_width else written


@settings(max_examples=500, deadline=None)
@given(
    kind=st.sampled_from(["id", "mobile"]),
    id_number=id_numbers(),
    mobile=mobiles,
    id_prefix=st.sampled_from(["", "ID", "id", "身份证号"]),
    phone_prefix=st.sampled_from(["", "+86", "86", "+86 ", "0086"]),
    separator=st.sampled_from(["", " ", "-"]),
    full_width=st.booleans(),
    before=around,
    after=around,
)
def test_any_id_number_or_mobile_in_any_spelling_comes_out_masked(
    kind, id_number, mobile, id_prefix, phone_prefix, separator, full_width, before, after
):
    if kind == "id":
        number, written = id_number, id_prefix + spelled(id_number, (6, 8, 4), separator, full_width)
    else:
        number, written = mobile, phone_prefix + spelled(mobile, (3, 4, 4), separator, full_width)
    text = before + written + after

    masked = mask_text(text)

    shown = mask_text(written)
    hidden = len(number) - 10 if kind == "id" else 4
    kept = number[: len(number) - 4 - hidden]
    assert number not in plain(masked) and number[-11:] not in plain(masked)
    assert masked == before + shown + after  # nothing around the number is touched
    assert plain(shown).endswith(kept + "*" * hidden + number[-4:])  # first 6 and last 4, first 3 and last 4
    assert [w for w in unmasked_in(text) if plain(w).endswith(number)] != []
    assert unmasked_in(masked) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_masked_text_holds_nothing_the_scan_would_find_and_masking_twice_changes_nothing(text):
    masked = mask_text(text)
    assert (unmasked_in(masked), mask_text(masked)) == ([], masked)


SPELLINGS = "身份证ID511502198501011232，511502 19850101 1232，电话+8613912340001、8613912340001、139-1234-0001、139 1234 0001、１３９１２３４０００１，住址：翠屏区白沙社区7组"
SPELLINGS_MASKED = "身份证ID511502********1232，511502 ******** 1232，电话+86139****0001、86139****0001、139-****-0001、139 **** 0001、１３９****０００１，住址：翠屏区***"


def test_a_summary_in_every_spelling_is_masked_by_the_api_and_the_dashboard(api):
    from tests.factories import a_key, example_of

    record = example_of("walk_in") | {"facts": SPELLINGS}
    case_id = api.post("/api/v1/intake/walk_in", json=record, headers=a_key("integrator")).json()["case_id"]
    centre = a_key("coordinator")
    key = centre["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303

    summary = api.get(f"/api/v1/cases/{case_id}", headers=centre).json()["summary"]
    page = api.get(f"/dashboard/cases/{case_id}").text

    assert summary == f"申请事项：{record['claim']}；事实和理由：{SPELLINGS_MASKED}"
    assert f"事实和理由：{SPELLINGS_MASKED}" in page and unmasked_in(page) == []
