"""What a person may write on a case: printable text of a bounded length, the same rule at every door.

Control, format (zero-width, bidirectional overrides), private-use and unassigned characters are
refused: they hide or reorder what the next reader of the timeline sees. The API's schemas and
the services behind the CLI both check with these functions.
"""

from __future__ import annotations

from fengqiao.models.errors import InvalidInput
from fengqiao.models.vocabulary import InputKind

IDEOGRAPHIC_SPACE = "\u3000"  # common in Chinese text
LINE_BREAKS = "\n\r\t"
NOTE_CHARS = 2000  # a mediator's note, an expert opinion
RESULT_CHARS = 200  # a receiving body's result: one line


def unprintable_at(text: str, *, multiline: bool) -> tuple[int, int] | None:
    """The first character that is not printable text: (its position from 1, its code point)."""
    allowed = IDEOGRAPHIC_SPACE + (LINE_BREAKS if multiline else "")
    for i, ch in enumerate(text):
        if not (ch.isprintable() or ch in allowed):
            return i + 1, ord(ch)
    return None


def recorded_text(text: str, *, field: str, max_chars: int, multiline: bool, required: bool = False) -> str:
    """text, if a person may record it; else InvalidInput naming the field."""
    if required and not text.strip():
        raise InvalidInput("不能为空 must not be empty", field=field)
    if len(text) > max_chars:
        raise InvalidInput(f"内容过长 {len(text)} characters, at most {max_chars}", field=field)
    if bad := unprintable_at(text, multiline=multiline):
        raise InvalidInput(f"含不可打印字符 character {bad[0]} (U+{bad[1]:04X}) is not printable text", field=field)
    return text


def check_answer_text(kind: InputKind, value: str, note: str) -> None:
    """The free text of an answer: a handoff's result is one line, an opinion and a note may be long."""
    if kind is InputKind.HANDOFF_RESULT:
        recorded_text(value, field="result", max_chars=RESULT_CHARS, multiline=False, required=True)
    elif kind is InputKind.EXPERT_OPINION:
        recorded_text(value, field="text", max_chars=NOTE_CHARS, multiline=True, required=True)
    recorded_text(note, field="note", max_chars=NOTE_CHARS, multiline=True)
