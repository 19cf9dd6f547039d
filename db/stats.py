"""The figures a coordination centre reports, as a few grouped counts over the cases it may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from db.queries import CaseFilter
from db.tables import cases, human_inputs, organisations
from models.vocabulary import AGREEMENTS, OPEN_STATUSES, Outcome


def _grouped(conn: Connection, where: CaseFilter, column: Any, *, by_org: bool = False) -> dict[str, int]:
    """Counts of the cases in `where` by one column; by_org: a column of the case's current organisation."""
    source = cases.outerjoin(organisations, cases.c.org_code == organisations.c.code) if by_org else cases
    q = where.apply(select(column, func.count()).select_from(source))
    return {str(k if k is not None else "none"): int(n) for k, n in conn.execute(q.group_by(column)).all()}


def case_counts(conn: Connection, where: CaseFilter) -> dict[str, Any]:
    """Counts by status, type, channel, level reached (the current organisation's), district and outcome."""
    outcomes = where.apply(
        select(human_inputs.c.value, func.count())
        .select_from(human_inputs.join(cases, human_inputs.c.case_id == cases.c.id))
        .where(human_inputs.c.kind.in_(("outcome", "exit")))
    ).group_by(human_inputs.c.value)
    by_outcome = {str(v): int(n) for v, n in conn.execute(outcomes).all()}
    by_status = _grouped(conn, where, cases.c.status)
    agreed = sum(by_outcome.get(o.value, 0) for o in AGREEMENTS)
    concluded = agreed + by_outcome.get(Outcome.FAILED.value, 0)
    return {
        "total": sum(by_status.values()),
        "open": sum(n for s, n in by_status.items() if s in OPEN_STATUSES),
        "by_status": by_status,
        "by_type": _grouped(conn, where, cases.c.dispute_type),
        "by_channel": _grouped(conn, where, cases.c.channel),
        "by_level": _grouped(conn, where, organisations.c.level, by_org=True),
        "by_area": _grouped(conn, where, func.substr(cases.c.area_code, 1, 6)),
        "by_outcome": by_outcome,
        "mediation_success_rate": round(agreed / concluded, 4) if concluded else None,
    }


def mediating_case_ids(conn: Connection, where: CaseFilter) -> set[int]:
    return set(conn.scalars(where.apply(select(cases.c.id).where(cases.c.status == "mediating"))))
