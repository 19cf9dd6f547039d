"""The one flow run that may drive a case: recorded, claimed, released, and the cases to start or wake.

A function per question over one connection; the caller's unit of work commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from fengqiao.db.tables import case_flow_runs, cases
from fengqiao.models.case import DuplicateState
from fengqiao.models.vocabulary import Status


@dataclass(frozen=True)
class Ended:
    """How a run the case is handed on from ended, as Prefect had it: its state's name and message."""

    flow_run_id: str
    state: str  # Failed, Cancelled, Completed…
    message: str


@dataclass(frozen=True)
class CaseRun:
    """One of a case's flow runs, in the order they were recorded; a replaced one says why."""

    flow_run_id: str
    recorded_at: datetime
    replaced_by: str | None
    replaced_at: datetime | None
    ended_as: str | None
    ended_message: str | None


def record_flow_run(
    conn: Connection, case_id: int, flow_run_id: str, *, at: datetime, replacing: Ended | None = None
) -> bool:
    """Note the run created for a case; only the first run recorded, or a replacement for a closed run
    or for the ended run it names, wins. It joins the case's runs, and the run it replaces says why:
    True when this call added it (the run may have claimed the case first, or another caller
    recorded the same run)."""
    holders = [flow_run_id] + ([replacing.flow_run_id] if replacing else [])
    result = conn.execute(
        update(cases)
        .where(
            cases.c.id == case_id,
            cases.c.flow_run_id.is_(None) | cases.c.flow_run_open.is_(False) | cases.c.flow_run_id.in_(holders),
        )
        .values(flow_run_id=flow_run_id, flow_run_open=True)
    )
    if result.rowcount != 1 or _listed(conn, case_id, flow_run_id):
        return False
    conn.execute(insert(case_flow_runs).values(case_id=case_id, flow_run_id=flow_run_id, recorded_at=at))
    if replacing is not None:
        if not _listed(conn, case_id, replacing.flow_run_id):  # claimed by hand (Prefect's UI), never recorded
            conn.execute(
                insert(case_flow_runs).values(case_id=case_id, flow_run_id=replacing.flow_run_id, recorded_at=at)
            )
        conn.execute(
            update(case_flow_runs)
            .where(case_flow_runs.c.case_id == case_id, case_flow_runs.c.flow_run_id == replacing.flow_run_id)
            .values(
                replaced_by=flow_run_id,
                replaced_at=at,
                ended_as=replacing.state[:40],
                ended_message=replacing.message[:500],
            )
        )
    return True


def _listed(conn: Connection, case_id: int, flow_run_id: str) -> bool:
    found = conn.scalar(
        select(case_flow_runs.c.id).where(
            case_flow_runs.c.case_id == case_id, case_flow_runs.c.flow_run_id == flow_run_id
        )
    )
    return found is not None


def runs_of(conn: Connection, case_id: int) -> list[CaseRun]:
    """The case's flow runs in the order they were recorded."""
    rows = conn.execute(
        select(case_flow_runs).where(case_flow_runs.c.case_id == case_id).order_by(case_flow_runs.c.id)
    ).all()
    return [
        CaseRun(r.flow_run_id, r.recorded_at, r.replaced_by, r.replaced_at, r.ended_as, r.ended_message) for r in rows
    ]


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
