"""The claim: the database lets one open flow run drive a case at a time.

Plain calls from the case flow, not Prefect tasks: a claim is bookkeeping, not a step of the
case, and as a task it cost Prefect's server a task run and three events per execution."""

from __future__ import annotations

from typing import Any

from fengqiao.db import flow_runs
from fengqiao.db import parking as parking_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.services.runtime import engine
from fengqiao.services.steps import current_step


def claim_case(case_id: int, flow_run_id: str) -> dict[str, Any] | None:
    """The database lets one open flow run drive a case; any other run (or any run of a parked
    case) leaves without writing. The step, with `failures`: the case's failed runs in a row."""
    with UnitOfWork(engine()) as uow:
        if not flow_runs.claim_case(uow.conn, case_id, flow_run_id):
            return None
        failures = parking_store.failures_of(uow.conn, case_id)
        uow.commit()
    return {**current_step(case_id), "failures": failures}


def release_case(case_id: int, flow_run_id: str) -> None:
    """The run leaves the case: it waits for a person, is held, or is closed."""
    with UnitOfWork(engine()) as uow:
        flow_runs.release_case(uow.conn, case_id, flow_run_id)
        uow.commit()
