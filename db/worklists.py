"""A mediator's cases: those assigned to the mediator, open or awaiting the follow-up visit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from fengqiao.db.tables import cases
from fengqiao.models.vocabulary import Status


def cases_of_mediator(conn: Connection, mediator_code: str) -> list[tuple[int, date | None]]:
    """(case id, its kept due day), the most urgent first (no due day last), of the cases assigned
    to the mediator that are not withdrawn; closed ones too (their follow-up visit is theirs)."""
    rows = conn.execute(
        select(cases.c.id, cases.c.due_on)
        .where(cases.c.mediator_code == mediator_code, cases.c.status != Status.WITHDRAWN)
        .order_by(cases.c.due_on.is_(None), cases.c.due_on, cases.c.id)
    ).all()
    return [(r.id, r.due_on) for r in rows]
