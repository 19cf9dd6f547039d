"""A supervisor's decision on a suspected duplicate (并单): merge it into the open case, or split it off."""

from __future__ import annotations

from enum import StrEnum

from db import repository as repo
from db.uow import UnitOfWork
from models.case import Case
from models.duplicates import confirm_duplicate, split_duplicate
from tasks.context import engine
from tasks.notify import announce
from tasks.steps import now


class Decision(StrEnum):
    CONFIRM = "confirm"
    SPLIT = "split"


def decide_duplicate(ref: str, decision: Decision, *, actor: str, note: str = "") -> Case:
    """Apply the decision in one transaction; a split case then needs its own flow run (the caller starts it)."""
    with UnitOfWork(engine()) as uow:
        case = repo.find_case(uow.conn, ref)
        original = repo.get_case(uow.conn, case.duplicate_of).case_no if case.duplicate_of else "?"
        move = confirm_duplicate if decision is Decision.CONFIRM else split_duplicate
        after, record = move(case, original, actor=actor, note=note, at=now())
        repo.save_move(uow.conn, case, after, record, flow_run_id=None)
        uow.commit()
    announce(after, record, flow_run_id=None)
    return after
