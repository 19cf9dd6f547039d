"""A mediator's worklist (我的案件): the cases assigned to the mediator whose key asks, with what each
waits for and when it is due. A closed agreement stays on it until its follow-up visit is reported.

A mediator's key is named by the mediator's code (M-C01): that is how the key finds its cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fengqiao.db import session_records as session_store
from fengqiao.db import worklists
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.case import Case, Wait
from fengqiao.models.vocabulary import Status
from fengqiao.services.context import load_context
from fengqiao.services.follow_up import aftercare_for
from fengqiao.services.human_input import awaited
from fengqiao.services.runtime import engine


@dataclass(frozen=True)
class WorkItem:
    case: Case
    due_on: date | None  # the mediation attempt's deadline (China-time day), while one runs
    waiting: Wait | None  # the answer it waits for from a person
    next_step: str
    sessions: int  # session records of the current attempt
    visit_on: date | None  # a closed agreement: when its follow-up visit is due


def worklist(caller: Caller) -> list[WorkItem]:
    """The caller's cases in its jurisdiction, the most urgent first; closed ones only while a visit is owed."""
    items = []
    with UnitOfWork(engine()) as uow:
        for case_id, due_on in worklists.cases_of_mediator(uow.conn, caller.name):
            ctx = load_context(uow.conn, case_id)
            case = ctx.case
            if not caller.covers(case.area_code, case.org_code):
                continue
            waiting = awaited(ctx)
            if case.status is Status.CLOSED and waiting is None:
                continue  # done: visited, or closed without an agreement
            held = sum(1 for s in session_store.sessions_of(uow.conn, case.id) if s.attempt == case.attempt)
            items.append(WorkItem(case, due_on, waiting, ctx.next_step.label, held, None))
    return [_with_visit(i) for i in items]


def _with_visit(item: WorkItem) -> WorkItem:
    if item.case.status is not Status.CLOSED:
        return item
    care = aftercare_for(item.case.case_no)
    return WorkItem(
        item.case, item.due_on, item.waiting, item.next_step, item.sessions, care.visit_on if care else None
    )
