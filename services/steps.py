"""Apply one step of a case in one transaction, idempotently.

A step runs only if the stored case still calls for it; otherwise (a retry, a second run, a
resume after a crash) it writes nothing and reports what the case needs now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fengqiao.db import cases as case_store
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.case import Case, Step, StepKind, next_step
from fengqiao.models.errors import ConcurrencyConflict
from fengqiao.models.transitions import Moved, Transition
from fengqiao.services.alerts import alert_on_move
from fengqiao.services.announce import announce
from fengqiao.services.context import CaseContext, load_context
from fengqiao.services.due_dates import keep_due_date
from fengqiao.services.runtime import engine


def step_as_data(step: Step) -> dict[str, Any]:
    """Task results stay plain and free of personal data."""
    wait = {"kind": str(step.wait.kind), "round": step.wait.round} if step.wait else None
    return {"kind": str(step.kind), "wait": wait}


def reload_case(case_id: int) -> Case:
    with UnitOfWork(engine()) as uow:
        return case_store.get_case(uow.conn, case_id)


def current_step(case_id: int) -> dict[str, Any]:
    with UnitOfWork(engine()) as uow:
        return step_as_data(load_context(uow.conn, case_id).next_step)


def record_move(conn: Connection, before: Case, after: Case, record: Transition, *, flow_run_id: str | None) -> None:
    """Store a move with what follows from it in the same transaction: the due date kept, an alert raised."""
    case_store.save_move(conn, before, after, record, flow_run_id=flow_run_id)
    keep_due_date(conn, before, after)
    alert_on_move(conn, before, after, at=record.at)


def apply_decision(ref: str, decide: Callable[[Connection, Case], Moved]) -> Moved:
    """A person's decision on a case outside its flow (a supervisor, an administrator, a mediator's
    clock): read the case, decide, store the move, in one transaction; then announce it."""
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, ref)
        after, record = decide(uow.conn, case)
        record_move(uow.conn, case, after, record, flow_run_id=None)
        uow.commit()
    announce(after, record, flow_run_id=None)
    return after, record


def apply_step(
    case_id: int,
    expected: StepKind,
    decide: Callable[[CaseContext], Moved],
    *,
    flow_run_id: str | None,
    also: Callable[[CaseContext, Moved], None] | None = None,
) -> dict[str, Any]:
    """also writes what must commit with the move (an outbox row), in the same transaction."""
    try:
        with UnitOfWork(engine()) as uow:
            ctx = load_context(uow.conn, case_id)
            if ctx.next_step.kind is not expected:
                return step_as_data(ctx.next_step)
            after, record = decide(ctx)
            record_move(uow.conn, ctx.case, after, record, flow_run_id=flow_run_id)
            if also:
                also(ctx, (after, record))
            uow.commit()
    except ConcurrencyConflict:
        return current_step(case_id)  # another writer moved the case first; continue from what it stored
    announce(after, record, flow_run_id=flow_run_id)
    return step_as_data(next_step(after, ctx.inputs, ctx.network.path_if_known(after.dispute_type)))
