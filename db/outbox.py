"""The outbox of results owed to channels: queued with the closing transition, leased, delivered, recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from fengqiao.db.tables import cases, delivery_attempts, intake_records, result_notices


@dataclass(frozen=True)
class Notice:
    id: int
    case_id: int
    channel: str
    idempotency_key: str
    body: dict[str, Any]
    attempts: int
    next_attempt_at: datetime
    area_code: str  # where the case arose, its organisation and the key that sent it: who may receive it
    org_code: str | None
    sent_by: int | None


def queue_notice(conn: Connection, *, case_id: int, channel: str, key: str, body: dict[str, Any], at: datetime) -> None:
    """Once per case: a closing step replayed after a crash finds the notice already queued."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(result_notices).values(
                    case_id=case_id,
                    channel=channel,
                    idempotency_key=key,
                    body=body,
                    status="pending",
                    attempts=0,
                    next_attempt_at=at,
                    created_at=at,
                )
            )
    except IntegrityError:
        pass


def due_notices(conn: Connection, *, at: datetime, case_id: int | None = None, limit: int = 100) -> list[Notice]:
    query = (
        select(result_notices, cases.c.area_code, cases.c.org_code, intake_records.c.key_id)
        .join(cases, cases.c.id == result_notices.c.case_id)
        .outerjoin(intake_records, intake_records.c.case_id == result_notices.c.case_id)
        .where(result_notices.c.status == "pending", result_notices.c.next_attempt_at <= at)
    )
    if case_id is not None:
        query = query.where(result_notices.c.case_id == case_id)
    rows = conn.execute(query.order_by(result_notices.c.next_attempt_at).limit(limit)).all()
    return [
        Notice(
            r.id,
            r.case_id,
            r.channel,
            r.idempotency_key,
            dict(r.body),
            r.attempts,
            r.next_attempt_at,
            r.area_code,
            r.org_code,
            r.key_id,
        )
        for r in rows
    ]


def lease(conn: Connection, notice: Notice, *, until: datetime) -> bool:
    """Take the notice for one delivery attempt; a second sender that read it too gets False."""
    result = conn.execute(
        update(result_notices)
        .where(
            result_notices.c.id == notice.id,
            result_notices.c.status == "pending",
            result_notices.c.attempts == notice.attempts,
        )
        .values(next_attempt_at=until, attempts=notice.attempts + 1)
    )
    return result.rowcount == 1


def record_attempt(
    conn: Connection,
    notice: Notice,
    *,
    at: datetime,
    target: str,
    status_code: int | None,
    error: str | None,
    duration: timedelta,
    delivered: bool,
    retry_at: datetime,
) -> None:
    conn.execute(
        insert(delivery_attempts).values(
            notice_id=notice.id,
            at=at,
            target=target,
            status_code=status_code,
            error=error,
            duration_ms=int(duration.total_seconds() * 1000),
        )
    )
    conn.execute(
        update(result_notices)
        .where(result_notices.c.id == notice.id)
        .values(
            status="delivered" if delivered else "pending",
            delivered_at=at if delivered else None,
            next_attempt_at=at if delivered else retry_at,
            last_error=None if delivered else error or f"HTTP {status_code}",
        )
    )


def notices(conn: Connection, *, case_id: int | None = None) -> list[dict[str, Any]]:
    """Each notice with its attempts, for people checking that results went back."""
    query = select(result_notices).order_by(result_notices.c.id)
    if case_id is not None:
        query = query.where(result_notices.c.case_id == case_id)
    found = [dict(r._mapping) | {"tries": []} for r in conn.execute(query).all()]
    if found:
        by_id = {n["id"]: n for n in found}
        attempts = select(delivery_attempts).where(delivery_attempts.c.notice_id.in_(by_id))
        for a in conn.execute(attempts.order_by(delivery_attempts.c.id)).all():
            by_id[a.notice_id]["tries"].append(dict(a._mapping))
    return found
