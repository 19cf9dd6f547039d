"""A person's input (an outcome, an expert opinion, a handoff result): stored once, then acknowledged.

Only after this commits may the caller resume the case's flow run; a lost resume is recovered by
the sweep, because the input is already in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fengqiao.db import cases as case_store
from fengqiao.db import inputs as input_store
from fengqiao.db import queries
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.answers import answer_round, keyed_answer, stored_kind, waiting_for
from fengqiao.models.case import Case, HumanInput, Wait
from fengqiao.models.text import check_answer_text
from fengqiao.models.vocabulary import AGREEMENTS, InputKind, Stage, Status
from fengqiao.services.case_file_gate import check_case_file
from fengqiao.services.context import CaseContext, load_context
from fengqiao.services.runtime import engine, now


@dataclass(frozen=True)
class Recorded:
    case: Case
    input: HumanInput
    created: bool  # False: the same input was already stored (a double submission)


def awaited(ctx: CaseContext) -> Wait | None:
    """What the case waits for from a person now, with the round (GET /cases/{id} shows it)."""
    agreed = ctx.case.status is Status.CLOSED and any(
        t.stage is Stage.RESOLUTION for t in queries.timeline(ctx.conn, ctx.case.id)
    )
    return waiting_for(ctx.case, ctx.path, ctx.inputs, agreed=agreed)


def answer_again(
    case_ref: str, key: str, kind: InputKind, value: str, note: str = "", *, attempt: int | None = None
) -> Recorded | None:
    """The answer this Idempotency-Key (as stored, "{key_id}:{key}") recorded on the case, if the same
    request comes again: its first answer, even after the case left the sender's jurisdiction (a
    failed outcome escalates it to an organisation the mediator's key does not see), since the key
    learns nothing it did not send. None if the key recorded nothing here; a different answer under
    it is InputConflict."""
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, case_ref)
        keyed = input_store.input_by_key(uow.conn, case.id, key)
    first = keyed_answer(case, keyed, kind, value, note, attempt=attempt)
    return None if first is None else Recorded(case, first, created=False)


def record_input(
    case_ref: str,
    kind: InputKind,
    value: str,
    *,
    note: str = "",
    actor: str,
    attempt: int | None = None,
    idempotency_key: str | None = None,
    also: Callable[[Connection, Case, HumanInput], None] | None = None,
    oral_terms: bool = False,
) -> Recorded:
    """attempt: the round the answer is for, if the caller says (models.answers decides).

    idempotency_key: as stored ("{key_id}:{key}"), looked up first: the answer it recorded comes
    back (created False) if this is the same answer, else InputConflict; a new key is stored with it.
    also: what is stored with the answer, in its transaction (an agreement's terms), given the answer as stored.
    An agreement must find the case's file complete as the network requires (oral_terms: an oral
    agreement's terms come with it), else IncompleteCaseFile names what is missing.
    """
    check_answer_text(kind, value, note)
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, case_ref)
        if idempotency_key is not None:
            keyed = input_store.input_by_key(uow.conn, case.id, idempotency_key)
            if first := keyed_answer(case, keyed, kind, value, note, attempt=attempt):
                return Recorded(case, first, created=False)
        ctx = load_context(uow.conn, case.id)
        decided = answer_round(ctx.case, awaited(ctx), ctx.inputs, kind, value, note, attempt=attempt)
        if isinstance(decided, HumanInput):  # an answer sent again after the case moved on
            return Recorded(ctx.case, decided, created=False)
        if kind is InputKind.OUTCOME and value in AGREEMENTS:
            check_case_file(uow.conn, ctx.network, ctx.case, value, decided, oral_terms=oral_terms)
        item = HumanInput(stored_kind(kind, value), decided, value, note, actor)
        stored, created = input_store.add_input(uow.conn, case.id, item, at=now(), key=idempotency_key)
        if also is not None:
            also(uow.conn, ctx.case, stored)
        uow.commit()
    return Recorded(ctx.case, stored, created)
