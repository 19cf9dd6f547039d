"""Clocks of mediating cases: pause, resume, extend (recorded), and which are near or past their deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from config.calendar import is_workday
from db import queries
from db import repository as repo
from db.uow import Connection, UnitOfWork
from models import clocks
from models.case import Case
from models.clocks import Clock, PauseReason
from models.errors import InputConflict, NotWaitingForInput
from models.transitions import Transition
from models.vocabulary import InputKind, Status
from tasks.context import configuration, engine
from tasks.human_input import record_input
from tasks.notify import announce
from tasks.steps import now

DEADLINE_ACTOR = "fengqiao:deadline"


def clock_for(conn: Connection, case: Case) -> Clock | None:
    network, _ = configuration(conn, case.config_version)
    path = network.path_if_known(case.dispute_type)
    if case.status is not Status.MEDIATING or path is None or case.path_step < 0:
        return None
    step = path.steps[case.path_step]
    return clocks.clock_of(
        queries.timeline(conn, case.id), limit=step.deadline_days, working=step.working_days, is_workday=is_workday
    )


class ClockChange(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    EXTEND = "extend"


def change_clock(
    ref: str,
    change: ClockChange,
    *,
    actor: str,
    reason: PauseReason | None = None,
    days: int = 0,
    both_parties_consent: bool = False,
    note: str = "",
) -> tuple[Case, Transition, Clock | None]:
    """One transaction; answers the case, the recorded transition and the clock after it."""
    with UnitOfWork(engine()) as uow:
        case = repo.find_case(uow.conn, ref)
        clock = clock_for(uow.conn, case)
        if clock is None:
            raise NotWaitingForInput(f"case {case.case_no} is {case.status}: its clock is not running", field="status")
        at = now()
        if change is ClockChange.PAUSE:
            after, record = clocks.pause(
                case, clock, reason or PauseReason.PARTY_UNAVAILABLE, actor=actor, note=note, at=at
            )
        elif change is ClockChange.RESUME:
            after, record = clocks.resume(case, clock, actor=actor, at=at)
        else:
            after, record = clocks.extend(
                case, days, both_parties_consent=both_parties_consent, actor=actor, note=note, at=at
            )
        repo.save_move(uow.conn, case, after, record, flow_run_id=None)
        new_clock = clock_for(uow.conn, after)
        uow.commit()
    announce(after, record, flow_run_id=None)
    return after, record, new_clock


@dataclass(frozen=True)
class Due:
    case_id: int
    case_no: str
    org: str | None
    mediator: str | None
    clock: Clock
    days_left: int | None  # None: paused


def deadlines(today: date) -> list[Due]:
    """Every mediating case's clock, the most urgent first (paused ones last)."""
    found = []
    with UnitOfWork(engine()) as uow:
        for case_id in repo.mediating_cases(uow.conn):
            case = repo.get_case(uow.conn, case_id)
            clock = clock_for(uow.conn, case)
            if clock is not None:
                left = clock.days_left(today, is_workday)
                found.append(Due(case.id, case.case_no, case.org_code, case.mediator, clock, left))
    return sorted(found, key=lambda d: (d.days_left is None, d.days_left or 0, d.case_no))


def escalate_overdue(due: Due) -> bool:
    """Store the overdue attempt as failed (reason `deadline`), so the path moves the case on."""
    try:
        return record_input(due.case_no, InputKind.OUTCOME, "failed", note="deadline", actor=DEADLINE_ACTOR).created
    except (InputConflict, NotWaitingForInput):
        return False  # a person answered first: theirs stands
