"""The coordination centre's board: open cases by stage and level, the most urgent first.

Open cases are a small part of a long history; every query here starts from the status index
(`ix_cases_open_by_area`) or the due-date index, so the board's cost follows the open cases only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, false, func, nulls_last, select

from fengqiao.db.queries import CaseFilter
from fengqiao.db.tables import cases, organisations
from fengqiao.models.vocabulary import OPEN_STATUSES

OPEN = tuple(sorted(str(s) for s in OPEN_STATUSES))
HELD = "suspected"  # cases.duplicate_state of a report held as a possible duplicate


@dataclass(frozen=True)
class BoardFilter:
    where: CaseFilter
    org_code: str | None = None


@dataclass(frozen=True)
class BoardCase:
    id: int
    case_no: str
    status: str
    channel: str
    dispute_type: str | None
    area_code: str
    org_code: str | None
    org_name: str | None
    level: str | None
    risk: str
    due_on: date | None
    created_at: datetime
    updated_at: datetime
    flow_run_id: str | None
    parked_at: datetime | None = None  # set aside after failed runs (models.parking): a person must retry it
    test: bool = False  # a test key's case: shown marked, not counted
    duplicate_state: str | None = None  # "suspected": held at intake as a possible duplicate (并单), nothing runs

    @property
    def held(self) -> bool:
        """Held as a possible duplicate until a person confirms or splits it (`fengqiao duplicates`)."""
        return self.duplicate_state == HELD

    def urgency(self, today: date, soon_days: int = 3) -> str:
        """overdue · due_soon · emergency · "" (for the row's colour)."""
        if self.due_on is not None and self.due_on < today:
            return "overdue"
        if self.due_on is not None and self.due_on <= today + timedelta(days=soon_days):
            return "due_soon"
        return "emergency" if self.risk == "emergency" else ""


def _open(f: BoardFilter, q: Any) -> Any:
    q = f.where.apply(q.where(cases.c.status.in_(OPEN)))
    return q.where(cases.c.org_code == f.org_code) if f.org_code else q


def counts(conn: Connection, f: BoardFilter) -> dict[tuple[str, str], int]:
    """Open cases by (status, level of the organisation holding it; "none" before assignment)."""
    level = func.coalesce(organisations.c.level, "none")
    q = _open(
        f,
        select(cases.c.status, level, func.count()).select_from(
            cases.outerjoin(organisations, cases.c.org_code == organisations.c.code)
        ),
    ).where(cases.c.test.is_(false()))  # a test key's cases are listed (marked) but not counted
    q = q.group_by(cases.c.status, level)
    return {(s, lv): int(n) for s, lv, n in conn.execute(q)}


def urgent_first(conn: Connection, f: BoardFilter, *, today: date, limit: int = 100) -> list[BoardCase]:
    """Open cases: parked ones first (nothing moves them but a person), then overdue, then by due
    date, emergencies before the rest, newest last."""
    q = _open(
        f,
        select(
            cases.c.id,
            cases.c.case_no,
            cases.c.status,
            cases.c.channel,
            cases.c.dispute_type,
            cases.c.area_code,
            cases.c.org_code,
            organisations.c.name.label("org_name"),
            organisations.c.level,
            cases.c.risk,
            cases.c.due_on,
            cases.c.created_at,
            cases.c.updated_at,
            cases.c.flow_run_id,
            cases.c.parked_at,
            cases.c.test,
            cases.c.duplicate_state,
        ).select_from(cases.outerjoin(organisations, cases.c.org_code == organisations.c.code)),
    ).order_by(
        case((cases.c.parked_at.is_not(None), 0), else_=1),
        nulls_last(cases.c.due_on.asc()),
        case((cases.c.risk == "emergency", 0), else_=1),
        cases.c.id.desc(),
    )
    return [BoardCase(**r._mapping) for r in conn.execute(q.limit(limit))]


def parked(conn: Connection, f: BoardFilter) -> int:
    """Open cases parked after failed runs, waiting for `fengqiao case retry` or the API's retry."""
    q = _open(f, select(func.count()).select_from(cases)).where(cases.c.parked_at.is_not(None))
    return int(conn.scalar(q) or 0)


def held(conn: Connection, f: BoardFilter) -> int:
    """Open reports held as possible duplicates, waiting for a person to confirm or split them."""
    q = _open(f, select(func.count()).select_from(cases)).where(cases.c.duplicate_state == HELD)
    return int(conn.scalar(q) or 0)
