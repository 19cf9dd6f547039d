"""The follow-up visit's finding (回访), stored once per agreement and applied in the same transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fengqiao.db import cases as case_store
from fengqiao.db import inputs as input_store
from fengqiao.db import queries
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.aftercare import Aftercare, IfBroken, aftercare_of, follow_up
from fengqiao.models.answers import answer_round, keyed_answer
from fengqiao.models.case import Case, HumanInput, Inputs
from fengqiao.models.errors import InputConflict, NotWaitingForInput
from fengqiao.models.vocabulary import InputKind, Stage
from fengqiao.services.agreements import agreement_of
from fengqiao.services.announce import announce
from fengqiao.services.context import configuration, load_context
from fengqiao.services.human_input import awaited
from fengqiao.services.runtime import engine, now
from fengqiao.services.steps import record_move


def record_follow_up(
    ref: str,
    *,
    honoured: bool,
    satisfaction: int,
    if_broken: IfBroken,
    actor: str,
    attempt: int | None = None,
    idempotency_key: str | None = None,
) -> tuple[Case, bool]:
    """(the case after it, whether this call recorded it): the same visit reported twice is one.

    attempt: the round (the attempt that reached the agreement) the visit is for, if the caller
    says; the same visit for a round that has passed gets the case as that visit left it.
    idempotency_key: as record_input's, looked up first: the visit it recorded gets the case as
    that visit left it.
    """
    value = "honoured" if honoured else f"not_honoured:{if_broken}"
    item_note = f"satisfaction {satisfaction}"
    kind = InputKind.FOLLOW_UP
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, ref)
        if idempotency_key is not None:
            keyed = input_store.input_by_key(uow.conn, case.id, idempotency_key)
            if sent := keyed_answer(case, keyed, kind, value, item_note, attempt=attempt):
                return _as_left_by(uow.conn, case, sent, input_store.get_inputs(uow.conn, case.id)), False
        if attempt is not None:
            ctx = load_context(uow.conn, case.id)
            first = answer_round(case, awaited(ctx), ctx.inputs, kind, value, item_note, attempt=attempt)
            if isinstance(first, HumanInput):
                return _as_left_by(uow.conn, case, first, ctx.inputs), False
        stored = input_store.get_inputs(uow.conn, case.id).get((InputKind.FOLLOW_UP, case.attempt))
        if stored and (stored.value, stored.note) == (value, item_note):
            return case, False
        if stored:
            raise InputConflict(
                "回访已记录 "
                f"the follow-up of case {case.case_no} is already recorded as {stored.value!r} by {stored.actor}",
                field="honoured",
            )
        network, _ = configuration(uow.conn, case.config_version)
        if not case.dispute_type:  # never triaged, so never mediated: no agreement to visit
            raise NotWaitingForInput(
                f"案件 {case.case_no} 没有待回访的调解协议 "
                f"case {case.case_no} has no agreement awaiting a follow-up visit",
                field="case",
            )
        at = now()
        after, record = follow_up(
            case,
            network.path_for(case.dispute_type),
            honoured=honoured,
            satisfaction=satisfaction,
            if_broken=if_broken,
            actor=actor,
            at=at,
            visited=_aftercare(uow.conn, case) is not None,
        )
        visit = HumanInput(InputKind.FOLLOW_UP, case.attempt, value, item_note, actor)
        input_store.add_input(uow.conn, case.id, visit, at=at, key=idempotency_key)
        record_move(uow.conn, case, after, record, flow_run_id=None)
        uow.commit()
    announce(after, record, flow_run_id=None)
    return after, True


def _as_left_by(conn: Connection, case: Case, visit: HumanInput, inputs: Inputs) -> Case:
    """The case with the status that visit gave it: each visit stored made one follow-up
    transition in its transaction, so the n-th visit by round made the n-th of them."""
    rounds = sorted(r for k, r in inputs if k is InputKind.FOLLOW_UP)
    moves = [t for t in queries.timeline(conn, case.id) if t.stage is Stage.FOLLOW_UP]
    return replace(case, status=moves[rounds.index(visit.round)].to_status)


def _aftercare(conn: Connection, case: Case) -> Aftercare | None:
    network, _ = configuration(conn, case.config_version)
    return aftercare_of(queries.timeline(conn, case.id), network.aftercare, agreement_of(conn, case))


def aftercare_for(ref: str) -> Aftercare | None:
    with UnitOfWork(engine()) as uow:
        return _aftercare(uow.conn, case_store.find_case(uow.conn, ref))


def visits_due(today: date) -> list[tuple[str, Aftercare]]:
    """Agreed and closed cases whose follow-up visit is due and not yet reported."""
    due = []
    with UnitOfWork(engine()) as uow:
        for case_id in case_store.closed_agreements_without_follow_up(uow.conn):
            case = case_store.get_case(uow.conn, case_id)
            care = _aftercare(uow.conn, case)
            if care and care.visit_on <= today:
                due.append((case.case_no, care))
    return due
