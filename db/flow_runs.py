"""The one flow run that may drive a case: recorded, claimed, released, and the cases to start or wake.

A function per question over one connection; the caller's unit of work commits.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from fengqiao.db.tables import cases
from fengqiao.models.case import DuplicateState
from fengqiao.models.vocabulary import Status


def record_flow_run(conn: Connection, case_id: int, flow_run_id: str) -> bool:
    """Note the run created for a case; only the first run recorded (or a replacement for a closed one) wins."""
    result = conn.execute(
        update(cases)
        .where(cases.c.id == case_id, (cases.c.flow_run_id.is_(None)) | (cases.c.flow_run_open.is_(False)))
        .values(flow_run_id=flow_run_id, flow_run_open=True)
    )
    return result.rowcount == 1


def claim_case(conn: Connection, case_id: int, flow_run_id: str) -> bool:
    """A flow run may drive the case if it is the recorded run, or no open run holds the case,
    and the case is not parked."""
    result = conn.execute(
        update(cases)
        .where(
            cases.c.id == case_id,
            (cases.c.flow_run_id == flow_run_id) | cases.c.flow_run_id.is_(None) | (cases.c.flow_run_open.is_(False)),
            cases.c.parked_at.is_(None),  # a parked case waits for a person's retry (models.parking)
        )
        .values(flow_run_id=flow_run_id, flow_run_open=True)
    )
    return result.rowcount == 1


def release_case(conn: Connection, case_id: int, flow_run_id: str) -> None:
    conn.execute(
        update(cases).where(cases.c.id == case_id, cases.c.flow_run_id == flow_run_id).values(flow_run_open=False)
    )


def case_flow_run(conn: Connection, case_id: int) -> tuple[str | None, bool]:
    row = conn.execute(select(cases.c.flow_run_id, cases.c.flow_run_open).where(cases.c.id == case_id)).one()
    return row.flow_run_id, bool(row.flow_run_open)


def cases_with_open_runs(conn: Connection) -> list[tuple[int, str]]:
    rows = conn.execute(
        select(cases.c.id, cases.c.flow_run_id).where(
            cases.c.flow_run_open.is_(True), cases.c.status != Status.CLOSED, cases.c.parked_at.is_(None)
        )
    ).all()
    return [(r.id, r.flow_run_id) for r in rows]


def cases_without_runs(conn: Connection, *, limit: int = 500) -> list[int]:
    """Registered cases no flow run was ever created for (intake decoupled from starting flows)."""
    rows = conn.execute(
        select(cases.c.id)
        .where(
            cases.c.flow_run_id.is_(None),
            cases.c.status != Status.CLOSED,
            cases.c.parked_at.is_(None),
            cases.c.duplicate_state.is_(None) | (cases.c.duplicate_state != DuplicateState.SUSPECTED),
        )
        .order_by(cases.c.id)
        .limit(limit)
    ).all()
    return [r.id for r in rows]
