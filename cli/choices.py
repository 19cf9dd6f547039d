"""Options that take one of a fixed set of values: a value outside it is one line in both languages.

Typer's own check prints a framed block in English only, and an option typed as plain text
(`--status`) took any value and listed nothing. Each enumerated option parses through `one_of`,
which names the option, the value given and every value allowed (with its Chinese), and ends
the command with the usage exit status (2) before anything is read or written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

import typer

from fengqiao.models.access import ROLE_ZH
from fengqiao.models.vocabulary import LABELS_ZH

E = TypeVar("E", bound=StrEnum)
USAGE = 2  # cli.main's "usage/config" exit status
ZH = (
    LABELS_ZH
    | ROLE_ZH
    | {  # the values typed at the command line, in Chinese
        "appraisal": "鉴定",
        "party_unavailable": "当事人因故无法参加",
        "expert_opinion": "等待专家意见",
        "force_majeure": "不可抗力",
        "reopen": "重新调解",
        "hand_off": "导入法治轨道",
        "grid": "网格上报",  # no option takes a level: grid is the channel
    }
)


def allowed(enum: type[StrEnum]) -> str:
    """`received（已受理）, triaged（已分流）, …`: what may be typed, with its Chinese."""
    return ", ".join(f"{v.value}（{ZH[v.value]}）" if v.value in ZH else v.value for v in enum)


def one_of(enum: type[E], option: str) -> Callable[[str], E]:
    """The parser of an option taking one of enum's values (option: its name, as the error says it)."""

    def parse(value: str) -> E:
        try:
            return enum(value)
        except ValueError:
            sys.stderr.write(f"取值无效 invalid value: {option} {value!r} 不是可选值 is not one of: {allowed(enum)}\n")
            raise typer.Exit(USAGE) from None

    return parse


def metavar(enum: type[StrEnum]) -> str:
    """`[received|triaged|…]` for --help."""
    return "[" + "|".join(v.value for v in enum) + "]"
