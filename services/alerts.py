"""Raise alerts in the transaction of the change that calls for them (a registration or a risk raised);
list the alerts a key sees and acknowledge one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fengqiao.config.settings import get_settings
from fengqiao.db import alerts as store
from fengqiao.db import cases as case_store
from fengqiao.db import prefect_events, queries
from fengqiao.db.alerts import AlertRow
from fengqiao.db.queries import CaseFilter
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.alerts import (
    AlertKind,
    AlertRules,
    cluster_area,
    emergency_reason,
    pool_alert_reason,
    run_alert_reason,
)
from fengqiao.models.case import Case
from fengqiao.models.errors import CaseNotFound, FengqiaoError
from fengqiao.models.privacy import mask_name
from fengqiao.models.vocabulary import Risk
from fengqiao.services.runtime import engine, now


def rules() -> AlertRules:
    s = get_settings()
    return AlertRules(s.alert_window_days, s.alert_respondent_reports, s.alert_area_reports)


def alert_on_move(conn: Connection, before: Case, after: Case, *, at: datetime) -> None:
    """An emergency raised; a test key's case alerts nobody."""
    if after.risk is Risk.EMERGENCY and before.risk is not Risk.EMERGENCY and not after.test:
        store.raise_alert(
            conn,
            AlertKind.EMERGENCY,
            after.case_no,
            area_code=after.area_code,
            case_ids=[after.id],
            reason=emergency_reason(after),
            at=at,
        )


def alerts_on_intake(conn: Connection, registered: Iterable[Case], *, at: datetime) -> None:
    """Clusters the newly registered cases belong to: by respondent within its district, and by community.

    A test key's cases belong to no cluster (db.alerts.cluster counts real cases only)."""
    added = [case for case in registered if not case.test]
    if not added:
        return
    limits = rules()
    since = at - timedelta(days=limits.window_days)
    subjects: dict[tuple[AlertKind, str, str], str] = {}  # (kind, subject, the place it is counted in) → shown as
    members: dict[tuple[AlertKind, str, str], set[int]] = {}  # → the new cases in it
    for key, name, area, case_id in store.respondents_of(conn, [c.id for c in added]):
        cluster = (AlertKind.RESPONDENT, key, cluster_area(AlertKind.RESPONDENT, area))
        subjects.setdefault(cluster, mask_name(name))
        members.setdefault(cluster, set()).add(case_id)
    for case in added:
        cluster = (AlertKind.AREA, case.area_code, cluster_area(AlertKind.AREA, case.area_code))
        subjects[cluster] = case.area_code
        members.setdefault(cluster, set()).add(case.id)
    # In one order, so no two registrations wait on each other crosswise: a community's alert last,
    # since every registration in it takes its turn there until the commit (a respondent's is rarer).
    for (kind, subject, area), shown in sorted(subjects.items(), key=lambda s: (s[0][0] is AlertKind.AREA, s[0])):
        new = sorted(members[(kind, subject, area)])
        store.grow_cluster(
            conn, kind, subject, area_code=area, added=new, since=since, rules=limits, shown=shown, at=at
        )


@dataclass(frozen=True)
class Firing:
    """One firing of a Prefect automation as a sweep read it from Prefect's events."""

    event_id: str
    pool: str
    kind: AlertKind
    case_no: str | None  # the case whose run fired it; None for the pool's, or a run not a case's
    at: datetime  # when it occurred


def hear_firing(firing: Firing, *, late_minutes: float = 0) -> int | None:
    """One transaction per firing: noted by its event id, with the alert it raises (None: heard
    before, by this worker or another, or news of no case of ours). A worker that dies before the
    commit leaves it unheard, so the next sweep raises it: never twice, never lost."""
    with UnitOfWork(engine()) as uow:
        if not prefect_events.note(uow.conn, firing.event_id, pool=firing.pool, occurred=firing.at, at=now()):
            return None
        if firing.kind is AlertKind.POOL_NO_HEARTBEAT:
            alert_id = _pool_alert(uow.conn, firing.pool, at=firing.at)
        elif firing.case_no is not None:
            alert_id = _run_alert(uow.conn, firing.kind, firing.case_no, at=firing.at, late_minutes=late_minutes)
        else:
            alert_id = None
        if alert_id is not None:
            prefect_events.raised(uow.conn, firing.event_id, alert_id)
        uow.commit()
        return alert_id


def firings_heard(pool: str, event_ids: Iterable[str]) -> tuple[datetime | None, set[str]]:
    """When the newest firing heard from the pool occurred (where to read on from), and which of these were heard."""
    with UnitOfWork(engine()) as uow:
        return prefect_events.heard_until(uow.conn, pool), prefect_events.known(uow.conn, event_ids)


def _run_alert(conn: Connection, kind: AlertKind, case_no: str, *, at: datetime, late_minutes: float) -> int | None:
    """What Prefect heard about a case's run at `at` (Crashed, Late): an alert on the case, once per
    news. None when the news is old, the case is not ours (no such number, or registered after the
    news: a number reused by another database on the same Prefect server) or a test key's."""
    try:
        case = case_store.find_case(conn, case_no)
    except CaseNotFound:
        return None
    if case.test or (case.created_at and at < case.created_at) or store.heard(conn, kind, case.case_no, at=at):
        return None
    reason = run_alert_reason(kind, case.case_no, late_minutes=late_minutes)
    return store.raise_alert(
        conn, kind, case.case_no, area_code=case.area_code, case_ids=[case.id], reason=reason, at=at
    )


def _pool_alert(conn: Connection, pool: str, *, at: datetime) -> int | None:
    """No worker heartbeat in the work pool: an alert of no case, which every key sees; once per news."""
    kind = AlertKind.POOL_NO_HEARTBEAT
    if store.heard(conn, kind, pool, at=at):
        return None
    return store.raise_alert(conn, kind, pool, area_code="", case_ids=[], reason=pool_alert_reason(pool), at=at)


class NotAcknowledged(StrEnum):
    UNKNOWN = "unknown"  # no alert the key sees
    OUTSIDE = "outside"  # the key does not see all of its cases
    ACKNOWLEDGED = "acknowledged"  # acknowledged already


def alerts_seen(where: CaseFilter, *, open_only: bool) -> tuple[list[AlertRow], dict[int, str]]:
    """The alerts with a case the filter's jurisdiction covers, and those cases' numbers."""
    with UnitOfWork(engine()) as uow:
        found = store.list_alerts(uow.conn, where, open_only=open_only)
        return found, queries.case_numbers(uow.conn, sorted({i for a in found for i in a.case_ids}))


def acknowledge_alert(where: CaseFilter, alert_id: int, *, by: str, note: str) -> NotAcknowledged | None:
    """Only an alert the jurisdiction sees, and only if it sees all of its cases: another district's stays open."""
    with UnitOfWork(engine()) as uow:
        found = store.list_alerts(uow.conn, where, open_only=False, only=alert_id)
        if not found:
            return NotAcknowledged.UNKNOWN
        if not found[0].whole:
            return NotAcknowledged.OUTSIDE
        try:
            store.acknowledge(uow.conn, found[0], by=by, note=note, at=now())
        except FengqiaoError:
            return NotAcknowledged.ACKNOWLEDGED
        uow.commit()
    return None
