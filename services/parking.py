"""Counting a case's failed runs, parking it at the limit with an alert, and a person's retry.

Counted in one place: the case flow, when a stage's task raises (flows/case.py). Prefect's own
task retries (none are configured today) happen inside the task call, so however many tries a
task makes, the flow sees one exception and one failed run is counted once. A run that crashes
(its process killed) is not counted: that says nothing about the case, and the sweep restarts it
as before. A parked case is driven by no run: the flow cannot claim it and the sweep and a
person's input do not start one (runs/launch.py), until a retry clears it.
"""

from __future__ import annotations

from fengqiao.config.logging import get_logger
from fengqiao.config.settings import get_settings
from fengqiao.db import alerts as alert_store
from fengqiao.db import cases as case_store
from fengqiao.db import parking as store
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.alerts import AlertKind
from fengqiao.models.case import Case
from fengqiao.models.errors import InvalidInput
from fengqiao.models.parking import Parked, error_summary, parked_reason, parks
from fengqiao.services.runtime import engine, now

log = get_logger(component="parking")
REASON_CHARS = 500


def record_step_failure(case_id: int, flow_run_id: str, exc: BaseException) -> Parked | None:
    """Count the failed run on the case, in one transaction; at the limit park it and raise the
    alert in that same transaction. The parking, if this failure made one."""
    error = error_summary(exc)
    limit = get_settings().max_step_failures
    with UnitOfWork(engine()) as uow:
        failures = store.count_failure(uow.conn, case_id, flow_run_id, error)
        if failures is None:
            return None  # another run holds the case, or it is parked already: not this run's to count
        parked = None
        if parks(failures, limit):
            at = now()
            case = case_store.get_case(uow.conn, case_id)
            parked = store.park(uow.conn, case_id, flow_run_id, failures=failures, error=error, at=at)
            alert_store.raise_alert(
                uow.conn,
                AlertKind.CASE_PARKED,
                case.case_no,
                area_code=case.area_code,
                case_ids=[case.id],
                reason=parked_reason(case.case_no, failures, error),
                at=at,
            )
        uow.commit()
    log.warning("case.step.failed", case_id=case_id, flow_run_id=flow_run_id, failures=failures, error=error)
    if parked:
        log.warning("case.parked", case_id=case_id, flow_run_id=flow_run_id, failures=failures, error=error)
    return parked


def clear_step_failures(case_id: int) -> None:
    with UnitOfWork(engine()) as uow:
        store.clear_failures(uow.conn, case_id)
        uow.commit()


def parking(case_id: int) -> Parked | None:
    with UnitOfWork(engine()) as uow:
        return store.parking_of(uow.conn, case_id)


def retry_case(ref: str, *, actor: str, reason: str) -> tuple[Case, Parked]:
    """Unpark a case (number or id): the count back to zero, who and why in its parking's audit
    row, its alert acknowledged, in one transaction. The caller then wakes it (a new run)."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_CHARS or not reason.isprintable():
        raise InvalidInput(
            f"须写明重试原因，1至{REASON_CHARS}个可打印字符 "
            f"say why the case is retried, in 1 to {REASON_CHARS} printable characters",
            field="reason",
        )
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, ref)
        released = store.unpark(uow.conn, case.id, case.case_no, by=actor, reason=reason, at=now())
        uow.commit()
    log.info("case.unparked", case_id=case.id, actor=actor, failures=released.failures)
    return case, released
