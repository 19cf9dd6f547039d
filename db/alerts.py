"""Alerts for a person to acknowledge: raised (or grown) in the transaction that caused them."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from fengqiao.db.queries import CaseFilter
from fengqiao.db.tables import alert_cases, alerts, cases, parties
from fengqiao.models.alerts import AlertKind, AlertRules, cluster_reason, cluster_reason_format
from fengqiao.models.errors import InputConflict


def _cluster_query(kind: AlertKind) -> Select[tuple[int]]:
    """The members' query of a cluster of this kind, built once (intake asks it at every registration)."""
    acknowledged = (  # one statement: the last acknowledgement is a subquery of the members'
        select(func.max(alerts.c.acknowledged_at))
        .where(alerts.c.kind == bindparam("kind"), alerts.c.subject == bindparam("subject"))
        .where(alerts.c.area_code == bindparam("area"))
        .scalar_subquery()
    )
    if kind is AlertKind.RESPONDENT:  # within its district: the area code's first digits
        within = func.substr(cases.c.area_code, 1, func.length(bindparam("area"))) == bindparam("area")
        q = (
            select(cases.c.id)
            .join(parties, parties.c.case_id == cases.c.id)
            .where(parties.c.role == "respondent", parties.c.match_key == bindparam("subject"), within)
            .distinct()
        )
    else:
        q = select(cases.c.id).where(cases.c.area_code == bindparam("subject"))
    since = bindparam("since", type_=cases.c.created_at.type)
    q = q.where(cases.c.created_at > since, or_(acknowledged.is_(None), cases.c.created_at > acknowledged))
    return q.where(cases.c.test.is_(false()))


_CLUSTERS = {kind: _cluster_query(kind) for kind in (AlertKind.RESPONDENT, AlertKind.AREA)}


def cluster(conn: Connection, kind: AlertKind, subject: str, *, area_code: str, since: datetime) -> list[int]:
    """Cases registered since `since` (and since the last acknowledged alert of this subject and
    area) in one cluster: a respondent's within its district (area_code), a community's."""
    found = conn.scalars(_CLUSTERS[kind], {"kind": kind, "subject": subject, "area": area_code, "since": since})
    return sorted(found)


_RESPONDENTS = (
    select(parties.c.match_key, parties.c.name, cases.c.area_code, parties.c.case_id)
    .join(cases, cases.c.id == parties.c.case_id)
    .where(parties.c.case_id.in_(bindparam("ids", expanding=True)), parties.c.role == "respondent")
    .where(parties.c.match_key != "")
    .order_by(parties.c.id)
)


def respondents_of(conn: Connection, case_ids: list[int]) -> list[tuple[str, str, str, int]]:
    """(match key, a name as reported, area code, case id) of each respondent of these cases, for the alert's row."""
    return [(r.match_key, r.name, r.area_code, r.case_id) for r in conn.execute(_RESPONDENTS, {"ids": case_ids})]


def grow_cluster(
    conn: Connection,
    kind: AlertKind,
    subject: str,
    *,
    area_code: str,
    added: list[int],
    since: datetime,
    rules: AlertRules,
    shown: str,
    at: datetime,
) -> int | None:
    """Add newly registered cases to their cluster's open alert, or raise it once the cluster reaches
    its threshold: the alert's id, or None below it.

    An open alert only grows: the new cases are appended, its other cases are neither read nor
    rewritten, and it keeps them until acknowledged. Concurrent registrations in one cluster take
    turns only from here to their commit (the alert's row, locked): intake does this last, in one
    statement on PostgreSQL. Until the alert exists they take turns on a lock of the cluster's, so
    each counts the cases the one before it committed, and the one reaching the threshold raises it."""
    grown = _grow(conn, kind, subject, area_code, sorted(added), rules, shown, at)
    if grown is None:
        _lock_cluster(conn, kind, subject, area_code)
        grown = _grow(conn, kind, subject, area_code, sorted(added), rules, shown, at)  # raised meanwhile?
    if grown is not None:
        return grown
    members = cluster(conn, kind, subject, area_code=area_code, since=since)
    reason = cluster_reason(kind, len(members), rules, shown)
    if reason is None:
        return None
    return raise_alert(conn, kind, subject, area_code=area_code, case_ids=members, reason=reason, at=at)


def _grow(
    conn: Connection,
    kind: AlertKind,
    subject: str,
    area_code: str,
    fresh: list[int],
    rules: AlertRules,
    shown: str,
    at: datetime,
) -> int | None:
    """Append the cases to the cluster's open alert, if there is one (its id), with the reason's new
    count (kept as it was should the threshold have been raised above it)."""
    values = dict(kind=kind, subject=subject, area=area_code, new=json.dumps(fresh), n=len(fresh), at=at)
    values |= dict(threshold=rules.threshold(kind), reason=cluster_reason_format(kind, rules, shown))
    if conn.dialect.name == "postgresql":  # one statement: the row is locked only from here to the commit
        grown = conn.scalar(_GROW_PG, values)
        return int(grown) if grown is not None else None
    found = conn.execute(_OPEN, values).first()  # SQLite: one writer at a time
    if found is None:
        return None
    alert_id, count = int(found[0]), int(found[1])
    reason = cluster_reason(kind, count + len(fresh), rules, shown)
    conn.execute(_GROW_SQLITE, dict(id=alert_id, n=len(fresh), reason=reason, at=at))
    conn.execute(_LISTED, [{"alert_id": alert_id, "case_id": c} for c in fresh])
    return alert_id


_OPEN = (
    select(alerts.c.id, alerts.c.cases_listed)
    .where(alerts.c.kind == bindparam("kind"), alerts.c.subject == bindparam("subject"))
    .where(alerts.c.area_code == bindparam("area"), alerts.c.acknowledged_at.is_(None))
)


def _lock_cluster(conn: Connection, kind: AlertKind, subject: str, area_code: str) -> None:
    """PostgreSQL: a lock of the cluster's until the commit. SQLite has one writer at a time anyway."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK, {"key": zlib.crc32(f"fengqiao:cluster:{kind}:{subject}:{area_code}".encode())})


_LISTED = insert(alert_cases)
_LOCK = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))
_GROW_PG = text(  # the count and the reason change, not the list: alert_cases gets the new rows
    "WITH grown AS (UPDATE alerts SET cases_listed = cases_listed + CAST(:n AS integer), reason = CASE "
    "WHEN cases_listed + CAST(:n AS integer) >= CAST(:threshold AS integer) "
    "THEN format(CAST(:reason AS text), cases_listed + CAST(:n AS integer)) ELSE reason END, updated_at = :at "
    "WHERE kind = :kind AND subject = :subject AND area_code = :area AND acknowledged_at IS NULL RETURNING id), "
    "listed AS (INSERT INTO alert_cases (alert_id, case_id) SELECT grown.id, CAST(value AS bigint) "
    "FROM grown, json_array_elements_text(CAST(:new AS json))) "
    "SELECT id FROM grown"
).bindparams(bindparam("at", type_=alerts.c.updated_at.type))
_GROW_SQLITE = text(
    "UPDATE alerts SET cases_listed = cases_listed + :n, reason = coalesce(:reason, reason), updated_at = :at "
    "WHERE id = :id"
).bindparams(bindparam("at", type_=alerts.c.updated_at.type))


# As text, which PostgreSQL and SQLite spell alike: SQLAlchemy compiles its own on_conflict_do_update
# afresh at every execution (it has no cache key), and an intake in a busy community raises every time.
RAISE = text(
    "INSERT INTO alerts (kind, subject, area_code, case_ids, cases_listed, reason, raised_at, updated_at) "
    "VALUES (:kind, :subject, :area_code, :case_ids, :cases_listed, :reason, :at, :at) "
    "ON CONFLICT (kind, subject, area_code) WHERE acknowledged_at IS NULL "
    "DO UPDATE SET case_ids = excluded.case_ids, cases_listed = excluded.cases_listed, reason = excluded.reason, "
    "updated_at = excluded.updated_at RETURNING id"
).bindparams(bindparam("case_ids", type_=alerts.c.case_ids.type), bindparam("at", type_=alerts.c.updated_at.type))


def raise_alert(
    conn: Connection, kind: AlertKind, subject: str, *, area_code: str, case_ids: list[int], reason: str, at: datetime
) -> int:
    """One open alert per (kind, subject, area): a second raise updates it, even from a racing
    transaction. Its cases are kept as rows too (alert_cases), which is how keys are shown it."""
    values = dict(kind=kind, subject=subject, area_code=area_code, case_ids=case_ids, reason=reason, at=at)
    alert_id = int(conn.execute(RAISE, values | {"cases_listed": len(set(case_ids))}).scalar_one())
    # Only the difference is written: a busy community's alert grows by one case at a time, and
    # rewriting all its rows at every intake made intake slower with every case (an alert of no
    # case, a work pool's, has no rows here).
    kept = set(conn.scalars(select(alert_cases.c.case_id).where(alert_cases.c.alert_id == alert_id)))
    wanted = set(case_ids)
    if gone := kept - wanted:
        conn.execute(delete(alert_cases).where(alert_cases.c.alert_id == alert_id, alert_cases.c.case_id.in_(gone)))
    if new := wanted - kept:
        conn.execute(insert(alert_cases), [{"alert_id": alert_id, "case_id": c} for c in sorted(new)])
    return alert_id


def heard(conn: Connection, kind: AlertKind, subject: str, *, at: datetime) -> bool:
    """An alert of this kind and subject was raised or grown at `at` or later: the news of `at` is
    in it already (acknowledged or not), so hearing it again raises nothing."""
    q = select(alerts.c.id).where(alerts.c.kind == kind, alerts.c.subject == subject, alerts.c.updated_at >= at)
    return conn.execute(q.limit(1)).first() is not None


@dataclass(frozen=True)
class AlertRow:
    """An alert as one key sees it: case_ids are the cases that key may see, outside how many it may not."""

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
    outside: int = 0

    @property
    def whole(self) -> bool:
        """The key sees every case of the alert: it may acknowledge it."""
        return self.outside == 0


def list_alerts(
    conn: Connection, where: CaseFilter, *, open_only: bool = True, limit: int = 200, only: int | None = None
) -> list[AlertRow]:
    """Alerts with at least one case the filter's jurisdiction covers (the case list's own rule), and
    alerts of no case (the system's: a work pool without workers), shown to every key; newest first."""
    seen = where.apply(select(alert_cases.c.alert_id).join(cases, cases.c.id == alert_cases.c.case_id))
    caseless = ~exists().where(alert_cases.c.alert_id == alerts.c.id)
    columns = [c for c in alerts.c if c.name != "cases_listed"]  # AlertRow counts what the key may see
    q = select(*columns).where(or_(alerts.c.id.in_(seen), caseless))
    if open_only:
        q = q.where(alerts.c.acknowledged_at.is_(None))
    if only is not None:
        q = q.where(alerts.c.id == only)
    rows = conn.execute(q.order_by(alerts.c.updated_at.desc(), alerts.c.id.desc()).limit(limit)).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    pairs = select(alert_cases.c.alert_id, alert_cases.c.case_id).join(cases, cases.c.id == alert_cases.c.case_id)
    every = conn.execute(pairs.where(alert_cases.c.alert_id.in_(ids))).all()
    visible = set(conn.execute(where.apply(pairs.where(alert_cases.c.alert_id.in_(ids)))).tuples())
    found = []
    for r in rows:
        shown = [c for a, c in visible if a == r.id]
        hidden = sum(1 for a, c in every if a == r.id and (a, c) not in visible)
        found.append(AlertRow(**{**r._mapping, "case_ids": sorted(shown), "outside": hidden}))
    return found


def acknowledge(conn: Connection, alert: AlertRow, *, by: str, note: str, at: datetime) -> AlertRow:
    """Acknowledge an alert the caller found with list_alerts; refused unless it sees all of its cases."""
    if not alert.whole:
        message = (
            f"预警 {alert.id} 有 {alert.outside} 件案件不在您的辖区内，须由能看到全部案件的密钥确认 "
            f"alert {alert.id} counts {alert.outside} cases outside your jurisdiction: "
            "a key that sees them all acknowledges it"
        )
        raise InputConflict(message, field="alert_id")
    done = conn.execute(
        update(alerts)
        .where(alerts.c.id == alert.id, alerts.c.acknowledged_at.is_(None))
        .values(acknowledged_at=at, acknowledged_by=by, note=note)
    )
    if done.rowcount != 1:
        raise InputConflict(f"预警 {alert.id} 已确认 alert {alert.id} was acknowledged already", field="alert_id")
    return replace(alert, acknowledged_at=at, acknowledged_by=by, note=note)
