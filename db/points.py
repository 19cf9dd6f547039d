"""What points (积分制) are made of for a month: concluded cases, sessions recorded, follow-up visits."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, false, select

from fengqiao.db.queries import CaseFilter
from fengqiao.db.subsidies import assignments, concluded_in
from fengqiao.db.tables import cases, human_inputs, session_records
from fengqiao.models.clocks import CST
from fengqiao.models.points import Work, credited

SATISFACTION = re.compile(r"satisfaction ([1-5])")  # how services.follow_up stores the visit's score


def _bounds(month: str) -> tuple[datetime, datetime]:
    year, m = map(int, month.split("-"))
    start = datetime.combine(date(year, m, 1), time.min, tzinfo=CST)
    return start, datetime.combine(date(year, m, monthrange(year, m)[1]), time.min, tzinfo=CST) + timedelta(days=1)


def work_in(conn: Connection, month: str, within: CaseFilter | None = None) -> list[Work]:
    """The month's credited work (models.points.credited): cases first concluded in it (a refusal is
    not) with their days, sessions held in it, visits recorded in it; within: on the cases of a
    caller's jurisdiction only, as for a case list.

    A session is credited to the mediator the assignment of its attempt named and that attempt's
    committee; a visit to the mediator holding its case and that case's organisation.
    """
    scoped = within or CaseFilter()
    work = [
        w
        for c in concluded_in(conn, month, within)
        if c.result != "refused"  # a case a party would not mediate earns no points
        for w in credited(c)
    ]
    start, end = _bounds(month)
    real = cases.c.test.is_(false())
    held = conn.execute(
        scoped.apply(
            select(session_records.c.case_id, session_records.c.attempt, cases.c.mediator_code, cases.c.org_code)
            .select_from(session_records.join(cases, cases.c.id == session_records.c.case_id))
            .where(session_records.c.held_at >= start, session_records.c.held_at < end, real)
        )
    ).all()
    attempts = assignments(conn, [r.case_id for r in held])
    for r in held:
        conducted = attempts.get(r.case_id, [])
        if 0 < r.attempt <= len(conducted):  # the n-th assignment began attempt n
            by = conducted[r.attempt - 1]
            work.append(Work(by.mediator or r.mediator_code or "", by.org_code, sessions=1))
        else:
            work.append(Work(r.mediator_code or "", r.org_code or "", sessions=1))
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
