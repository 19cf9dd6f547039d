"""Why a value was refused, in Chinese beside English, by the kind of error the validator found.

Every validator at the edges (a channel's record, an API request, the settings) reports a kind
(pydantic's error type) and an English sentence. People read the Chinese first; the English
stays, except where it is too terse to act on ("Field required"), and a kind with no Chinese
here still says 无效 (invalid). Plain data: the validators themselves live at the edges.
"""

from __future__ import annotations

ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段",
    "string_type": "应为文字",
    "string_too_short": "不能为空",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不对",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_type": "应为是/否",
    "bool_parsing": "应为是/否",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "literal_error": "取值不在允许范围",
    "enum": "取值不在允许范围",
    "datetime_type": "应为日期时间",
    "datetime_parsing": "应为日期时间",
    "datetime_from_date_parsing": "应为日期时间",
    "timezone_aware": "须写明时区",
    "date_type": "应为日期",
    "date_parsing": "应为日期",
    "date_from_datetime_parsing": "应为日期",
    "model_type": "应为一条记录（JSON对象）",
    "model_attributes_type": "应为一条记录（JSON对象）",
    "dict_type": "应为JSON对象",
    "list_type": "应为列表",
    "too_long": "条目过多",
    "too_short": "条目过少",
    "finite_number": "应为有限数字",
    "url_parsing": "应为网址",
    "url_scheme": "网址协议不对",
    "json_invalid": "不是有效的JSON",
    "unprintable": "含不可打印字符",  # api/schemas.py: control, format and private-use characters
}
EN = {  # pydantic's own words where they do not say what to do
    "missing": "required field missing",
    "extra_forbidden": "unknown field, not accepted here",
}


def why(kind: str, english: str) -> str:
    """`缺少必填字段 required field missing`: the Chinese, then the English."""
    if kind == "value_error":  # our own validators speak both languages already
        return english.removeprefix("Value error, ")
    return f"{ZH.get(kind, '无效')} {EN.get(kind, english)}"


def public_name(loc: tuple[str | int, ...] | list[str | int]) -> str:
    """`applicant.id_number`, `attendees.0`: the field as the sender wrote it, without where it was
    (body, query, path, header) or the validator's names for union members (`function-after[…]`)."""
    kept = [
        str(p)
        for p in loc
        if p not in ("body", "query", "path", "header", "cookie") and not any(c in str(p) for c in "[(")
    ]
    return ".".join(kept)
