"""Clocks of mediating cases: pause, resume, extend (recorded), and which are near or past their deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fengqiao.config.calendar import is_workday
from fengqiao.db import cases as case_store
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models import clocks
from fengqiao.models.case import Case
from fengqiao.models.clocks import Clock, PauseReason
from fengqiao.models.errors import InputConflict, NotWaitingForInput
from fengqiao.models.text import NOTE_CHARS, recorded_text
from fengqiao.models.transitions import Moved, Transition
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.due_dates import clock_for
from fengqiao.services.human_input import record_input
from fengqiao.services.runtime import engine, now
from fengqiao.services.steps import apply_decision

DEADLINE_ACTOR = "fengqiao:deadline"


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
    recorded_text(note, field="note", max_chars=NOTE_CHARS, multiline=True)

    def decide(conn: Connection, case: Case) -> Moved:
        clocks.check_running(case)
        clock = clock_for(conn, case)
        assert clock is not None, "a mediating case stands on a rung of its path"
        at = now()
        if change is ClockChange.PAUSE:
            why = reason or PauseReason.PARTY_UNAVAILABLE
            return clocks.pause(case, clock, why, actor=actor, note=note, at=at)
        if change is ClockChange.RESUME:
            return clocks.resume(case, clock, actor=actor, at=at)
        return clocks.extend(case, days, both_parties_consent=both_parties_consent, actor=actor, note=note, at=at)

    after, record = apply_decision(ref, decide)
    with UnitOfWork(engine()) as uow:
        return after, record, clock_for(uow.conn, after)


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
        for case_id in case_store.mediating_cases(uow.conn):
            case = case_store.get_case(uow.conn, case_id)
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
