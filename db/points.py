"""What points (积分制) are made of for a month: concluded cases, sessions recorded, follow-up visits."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, false, select

from fengqiao.db.queries import CaseFilter
from fengqiao.db.subsidies import concluded_in
from fengqiao.db.tables import cases, human_inputs, session_records
from fengqiao.models.clocks import CST
from fengqiao.models.points import Work

SATISFACTION = re.compile(r"satisfaction ([1-5])")  # how services.follow_up stores the visit's score


def _bounds(month: str) -> tuple[datetime, datetime]:
    year, m = map(int, month.split("-"))
    start = datetime.combine(date(year, m, 1), time.min, tzinfo=CST)
    return start, datetime.combine(date(year, m, monthrange(year, m)[1]), time.min, tzinfo=CST) + timedelta(days=1)


def work_in(conn: Connection, month: str, within: CaseFilter | None = None) -> list[Work]:
    """The month's credited work: cases first concluded in it (a refusal is not), sessions held in it,
    visits recorded in it; within: on the cases of a caller's jurisdiction only, as for a case list.

    A session or a visit is credited to the mediator holding its case and that case's organisation.
    """
    scoped = within or CaseFilter()
    work = [
        Work(c.mediator, c.org_code, cases=1, agreements=int(c.result in ("written", "oral")), days=c.days)
        for c in concluded_in(conn, month, within)
        if c.result != "refused"  # a case a party would not mediate earns no points
    ]
    start, end = _bounds(month)
    real = cases.c.test.is_(false())
    held = conn.execute(
        scoped.apply(
            select(cases.c.mediator_code, cases.c.org_code)
            .select_from(session_records.join(cases, cases.c.id == session_records.c.case_id))
            .where(session_records.c.held_at >= start, session_records.c.held_at < end, real)
        )
    ).all()
    work += [Work(r.mediator_code or "", r.org_code or "", sessions=1) for r in held]
    visits = conn.execute(
        scoped.apply(
            select(cases.c.mediator_code, cases.c.org_code, human_inputs.c.note)
            .select_from(human_inputs.join(cases, cases.c.id == human_inputs.c.case_id))
            .where(
                human_inputs.c.kind == "follow_up",
                human_inputs.c.received_at >= start,
                human_inputs.c.received_at < end,
                real,
            )
        )
    ).all()
    for v in visits:
        if score := SATISFACTION.search(v.note or ""):
            work.append(Work(v.mediator_code or "", v.org_code or "", satisfaction=int(score.group(1)), visits=1))
    return work
