"""Applications for judicial confirmation (models.judicial_confirmation): stored once per case and
attempt, and counted for the official figures; the caller's unit of work commits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, false, func, insert, or_, select, true
from sqlalchemy.exc import IntegrityError

from fengqiao.db.tables import cases, judicial_confirmations
from fengqiao.db.tallies import Scope
from fengqiao.models.clocks import CST
from fengqiao.models.judicial_confirmation import Application


def application_of(conn: Connection, case_id: int, attempt: int) -> Application | None:
    where = (judicial_confirmations.c.case_id == case_id, judicial_confirmations.c.attempt == attempt)
    r = conn.execute(select(judicial_confirmations).where(*where)).first()
    return None if r is None else Application(r.attempt, r.applied_on, r.court, r.actor)


def add_application(conn: Connection, case_id: int, application: Application, *, at: datetime) -> Application | None:
    """Store it; None if it was stored, else the application another request stored meanwhile."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(judicial_confirmations).values(
                    case_id=case_id,
                    attempt=application.attempt,
                    applied_on=application.applied_on,
                    court=application.court,
                    actor=application.actor,
                    recorded_at=at,
                )
            )
        return None
    except IntegrityError:
        return application_of(conn, case_id, application.attempt)


def standing_agreement(conn: Connection, case_id: int) -> str | None:
    """written | oral when the case stands resolved by an agreement (closed or not yet); else None."""
    row = conn.execute(select(cases.c.outcome, cases.c.agreement).where(cases.c.id == case_id)).one()
    return (row.agreement or "written") if row.outcome == "resolved" else None


def _month_start(month: str) -> datetime:
    return datetime.combine(date.fromisoformat(f"{month}-01"), time.min, tzinfo=CST)


def _in_scope(scope: Scope) -> Any:
    """The cases a Scope's counters count (db.tallies): registered in its months (China time), arisen
    in its streets or held by its organisations; a test key's never."""
    conds: list[Any] = [cases.c.test.is_(false())]
    if scope.month_from:
        conds.append(cases.c.created_at >= _month_start(scope.month_from))
    if scope.month_to:
        start = _month_start(scope.month_to)
        conds.append(cases.c.created_at < (start + timedelta(days=32)).replace(day=1))
    if scope.areas is not None:
        inside = [cases.c.area_code.startswith(a, autoescape=True) for a in scope.areas]
        inside += [cases.c.org_code.in_(scope.orgs)] if scope.orgs else []
        conds.append(or_(*inside) if inside else ~true())
    return and_(*conds)


def applied_count(conn: Connection, scope: Scope) -> int:
    """申请司法确认: cases in the scope whose parties applied (a case counts once)."""
    q = (
        select(func.count(func.distinct(judicial_confirmations.c.case_id)))
        .select_from(judicial_confirmations.join(cases, cases.c.id == judicial_confirmations.c.case_id))
        .where(_in_scope(scope))
    )
    return int(conn.scalar(q) or 0)
