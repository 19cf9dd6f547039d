"""Every note a person writes on a case passes models/text.py's rule, whatever the door: a clock's
pause or extension, a supervisor's duplicate decision, an administrator's migration. Refused
before anything is read or written, naming the field."""

from __future__ import annotations

import pytest

from fengqiao.models.errors import CaseNotFound, InvalidInput
from fengqiao.services.clocks import ClockChange, change_clock
from fengqiao.services.duplicates import Decision, decide_duplicate
from fengqiao.services.reconfigure import migrate_case

DECISIONS = {
    "clock": lambda note: change_clock("FQ20260000001", ClockChange.PAUSE, actor="M-C01", note=note),
    "duplicate": lambda note: decide_duplicate("FQ20260000001", Decision.CONFIRM, actor="supervisor", note=note),
    "migration": lambda note: migrate_case("FQ20260000001", 2, actor="admin", note=note),
}


@pytest.mark.parametrize("door", sorted(DECISIONS))
@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("当事人外出\x07", "field note: 含不可打印字符 character 6 (U+0007) is not printable text"),
        ("暂停\u202e", "field note: 含不可打印字符 character 3 (U+202E) is not printable text"),
        ("长" * 2001, "field note: 内容过长 2001 characters, at most 2000"),
    ],
)
def test_a_note_that_is_not_printable_text_of_a_bounded_length_is_refused(database, door, note, message):
    with pytest.raises(InvalidInput) as refused:
        DECISIONS[door](note)

    assert (str(refused.value), refused.value.field) == (message, "note")


@pytest.mark.parametrize("door", sorted(DECISIONS))
def test_a_note_with_lines_and_ideographic_spaces_passes_the_rule(database, door):
    with pytest.raises(CaseNotFound):  # past the rule: the case is looked up (there is none here)
        DECISIONS[door]("一、当事人外出务工；\n二、\u3000下周再约")
