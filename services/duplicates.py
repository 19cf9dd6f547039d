"""A supervisor's decision on a suspected duplicate (并单): merge it into the open case, or split it off."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fengqiao.db import cases as case_store
from fengqiao.db import reports
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.case import Case
from fengqiao.models.duplicates import confirm_duplicate, split_duplicate
from fengqiao.models.text import NOTE_CHARS, recorded_text
from fengqiao.models.transitions import Moved
from fengqiao.services.runtime import engine, now
from fengqiao.services.steps import apply_decision


class Decision(StrEnum):
    CONFIRM = "confirm"
    SPLIT = "split"


def decide_duplicate(ref: str, decision: Decision, *, actor: str, note: str = "") -> Case:
    """Apply the decision in one transaction; a split case then needs its own flow run (the caller starts it)."""
    recorded_text(note, field="note", max_chars=NOTE_CHARS, multiline=True)

    def decide(conn: Connection, case: Case) -> Moved:
        original = case_store.get_case(conn, case.duplicate_of).case_no if case.duplicate_of else "?"
        move = confirm_duplicate if decision is Decision.CONFIRM else split_duplicate
        return move(case, original, actor=actor, note=note, at=now())

    return apply_decision(ref, decide)[0]


def suspected_duplicates() -> list[dict[str, Any]]:
    """Reports held as suspected duplicates, waiting for a supervisor's decision."""
    with UnitOfWork(engine()) as uow:
        return reports.suspected_duplicates(uow.conn)
