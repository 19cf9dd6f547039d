"""A person's input (an outcome, an expert opinion, a handoff result): stored once, then acknowledged.

Only after this commits may the caller resume the case's flow run; a lost resume is recovered by
the sweep, because the input is already in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from db import repository as repo
from db.uow import UnitOfWork
from models.case import Case, HumanInput
from models.errors import NotWaitingForInput
from models.steps import check_input, input_kind_for
from models.vocabulary import InputKind
from tasks.context import engine, load_context
from tasks.steps import now


@dataclass(frozen=True)
class Recorded:
    case: Case
    input: HumanInput
    created: bool  # False: the same input was already stored (a double submission)


def record_input(case_ref: str, kind: InputKind, value: str, *, note: str = "", actor: str) -> Recorded:
    with UnitOfWork(engine()) as uow:
        case = repo.find_case(uow.conn, case_ref)
        ctx = load_context(uow.conn, case.id)
        stored_kind = input_kind_for(kind, value)
        try:
            round_ = check_input(ctx.case, ctx.path, kind, value)
        except NotWaitingForInput:
            same = [i for i in ctx.inputs.values() if i.kind is stored_kind and (i.value, i.note) == (value, note)]
            if same:  # a resubmission after the case moved on gets the answer it got the first time
                return Recorded(ctx.case, max(same, key=lambda i: i.round), created=False)
            raise
        item = HumanInput(stored_kind, round_, value, note, actor)
        stored, created = repo.add_input(uow.conn, case.id, item, at=now())
        uow.commit()
    return Recorded(ctx.case, stored, created)
