"""Alerts for a person to acknowledge: raised (or grown) in the transaction that caused them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, false, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from db.queries import CaseFilter
from db.tables import alerts, cases, parties
from models.alerts import AlertKind
from models.errors import CaseNotFound, InputConflict


def cluster(conn: Connection, kind: AlertKind, subject: str, *, since: datetime) -> list[int]:
    """Cases registered since `since` (and since the subject's last acknowledged alert) in one cluster."""
    acknowledged = conn.scalar(
        select(func.max(alerts.c.acknowledged_at)).where(alerts.c.kind == kind, alerts.c.subject == subject)
    )
    start = max(since, acknowledged) if acknowledged else since
    if kind is AlertKind.RESPONDENT:
        q = (
            select(cases.c.id)
            .join(parties, parties.c.case_id == cases.c.id)
            .where(parties.c.role == "respondent", parties.c.match_key == subject)
            .distinct()
        )
    else:
        q = select(cases.c.id).where(cases.c.area_code == subject)
    return sorted(conn.scalars(q.where(cases.c.created_at > start)))


def respondents_of(conn: Connection, case_ids: list[int]) -> dict[str, tuple[str, str, int]]:
    """Each respondent's match key with a name as reported, an area and one case (for the alert's row)."""
    rows = conn.execute(
        select(parties.c.match_key, parties.c.name, cases.c.area_code, cases.c.id)
        .join(cases, cases.c.id == parties.c.case_id)
        .where(parties.c.case_id.in_(case_ids), parties.c.role == "respondent", parties.c.match_key != "")
    ).all()
    return {r.match_key: (r.name, r.area_code, r.id) for r in rows}


def raise_alert(
    conn: Connection, kind: AlertKind, subject: str, *, area_code: str, case_ids: list[int], reason: str, at: datetime
) -> None:
    """One open alert per (kind, subject): a second raise updates it, even from a racing transaction."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(alerts).values(
        kind=kind, subject=subject, area_code=area_code, case_ids=case_ids, reason=reason, raised_at=at, updated_at=at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "subject"],
        index_where=text("acknowledged_at IS NULL"),
        set_={"case_ids": stmt.excluded.case_ids, "reason": stmt.excluded.reason, "updated_at": at},
    )
    conn.execute(stmt)


@dataclass(frozen=True)
class AlertRow:
    id: int
    kind: str
    subject: str
    area_code: str
    case_ids: list[int]
    reason: str
    raised_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str | None


def list_alerts(conn: Connection, where: CaseFilter, *, open_only: bool = True, limit: int = 200) -> list[AlertRow]:
    q = select(alerts)
    if open_only:
        q = q.where(alerts.c.acknowledged_at.is_(None))
    if where.within_areas is not None:
        q = q.where(_in_areas(where.within_areas))
    rows = conn.execute(q.order_by(alerts.c.updated_at.desc(), alerts.c.id.desc()).limit(limit)).all()
    return [AlertRow(**r._mapping) for r in rows]


def _in_areas(prefixes: tuple[str, ...]) -> Any:
    return or_(false(), *(alerts.c.area_code.startswith(p, autoescape=True) for p in prefixes))


def acknowledge(conn: Connection, alert_id: int, *, by: str, note: str, at: datetime) -> AlertRow:
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
    if row is None:
        raise CaseNotFound(f"no alert {alert_id}", field="alert_id")
    if row.acknowledged_at is not None:
        raise InputConflict(f"alert {alert_id} was acknowledged by {row.acknowledged_by} already", field="alert_id")
    conn.execute(
        update(alerts).where(alerts.c.id == alert_id).values(acknowledged_at=at, acknowledged_by=by, note=note)
    )
    return AlertRow(**{**row._mapping, "acknowledged_at": at, "acknowledged_by": by, "note": note})
