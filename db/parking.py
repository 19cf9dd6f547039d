"""Failed runs counted on the case, the parking at the limit, and the retry that ends it.

The count lives on the case row, so it survives the crash of any process; every change here is
made in the caller's transaction (a parking commits with its audit row and its alert).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from fengqiao.db.tables import alerts, case_parkings, cases
from fengqiao.models.alerts import AlertKind
from fengqiao.models.errors import NotParked
from fengqiao.models.parking import Parked


def count_failure(conn: Connection, case_id: int, flow_run_id: str, error: str) -> int | None:
    """One more failed run of an unparked case, counted only for the run that holds the case;
    the count now, or None when this run does not hold it (nothing counted)."""
    counted = conn.execute(
        update(cases)
        .where(cases.c.id == case_id, cases.c.flow_run_id == flow_run_id, cases.c.parked_at.is_(None))
        .values(step_failures=cases.c.step_failures + 1, last_step_error=error)
    )
    if counted.rowcount != 1:
        return None
    return failures_of(conn, case_id)


def park(conn: Connection, case_id: int, flow_run_id: str, *, failures: int, error: str, at: datetime) -> Parked:
    conn.execute(update(cases).where(cases.c.id == case_id).values(parked_at=at))
    conn.execute(
        insert(case_parkings).values(
            case_id=case_id, parked_at=at, failures=failures, error=error, flow_run_id=flow_run_id
        )
    )
    return Parked(at, failures, error)


def failures_of(conn: Connection, case_id: int) -> int:
    return int(conn.scalar(select(cases.c.step_failures).where(cases.c.id == case_id)) or 0)


def clear_failures(conn: Connection, case_id: int) -> None:
    """A step succeeded: the failures before it were not in a row with any that follow."""
    conn.execute(
        update(cases)
        .where(cases.c.id == case_id, cases.c.step_failures > 0, cases.c.parked_at.is_(None))
        .values(step_failures=0, last_step_error=None)
    )


def parking_of(conn: Connection, case_id: int) -> Parked | None:
    row = conn.execute(
        select(cases.c.parked_at, cases.c.step_failures, cases.c.last_step_error).where(cases.c.id == case_id)
    ).one_or_none()
    if row is None or row.parked_at is None:
        return None
    return Parked(row.parked_at, row.step_failures, row.last_step_error or "")


def unpark(conn: Connection, case_id: int, case_no: str, *, by: str, reason: str, at: datetime) -> Parked:
    """Clear the parking and the count, note who released it and why, and close the case's open
    parking alert (the retry is what was done about it); NotParked if it is not parked."""
    parked = parking_of(conn, case_id)
    released = conn.execute(
        update(cases)
        .where(cases.c.id == case_id, cases.c.parked_at.is_not(None))
        .values(parked_at=None, step_failures=0, last_step_error=None)
    )
    if parked is None or released.rowcount != 1:
        raise NotParked(f"案件 {case_no} 未挂起，无需重试 case {case_no} is not parked: nothing to retry", field="case")
    last = conn.scalar(
        select(case_parkings.c.id)
        .where(case_parkings.c.case_id == case_id, case_parkings.c.released_at.is_(None))
        .order_by(case_parkings.c.id.desc())
        .limit(1)
    )
    if last is not None:
        conn.execute(
            update(case_parkings)
            .where(case_parkings.c.id == last)
            .values(released_at=at, released_by=by, release_reason=reason)
        )
    conn.execute(
        update(alerts)
        .where(alerts.c.kind == AlertKind.CASE_PARKED, alerts.c.subject == case_no, alerts.c.acknowledged_at.is_(None))
        .values(acknowledged_at=at, acknowledged_by=by, note=f"retry: {reason}")
    )
    return parked


def releases_of(conn: Connection, case_id: int) -> list[dict[str, object]]:
    """Every parking of the case, oldest first, with its release (the audit)."""
    rows = conn.execute(
        select(case_parkings).where(case_parkings.c.case_id == case_id).order_by(case_parkings.c.id)
    ).all()
    return [dict(r._mapping) for r in rows]
