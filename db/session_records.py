"""Session records (调解笔录) of a case: stored once, found by fingerprint or Idempotency-Key.

A function per question over one connection; the caller's unit of work commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select
from sqlalchemy.exc import IntegrityError

from fengqiao.db.tables import session_records
from fengqiao.models.errors import ConcurrencyConflict
from fengqiao.models.session_records import SessionRecord


def _record(r: Row[Any]) -> SessionRecord:
    return SessionRecord(
        attempt=r.attempt,
        held_at=r.held_at,
        place=r.place,
        attendees=tuple(r.attendees),
        mediators=tuple(r.mediators),
        content=r.content,
        actor=r.actor,
        number=r.number,
    )


def sessions_of(conn: Connection, case_id: int) -> list[SessionRecord]:
    """In the order they were recorded."""
    where = session_records.c.case_id == case_id
    return [_record(r) for r in conn.execute(select(session_records).where(where).order_by(session_records.c.number))]


def session_by(
    conn: Connection, case_id: int, *, fingerprint: str | None = None, key: str | None = None
) -> SessionRecord | None:
    """The record stored on the case with this fingerprint, or with this Idempotency-Key."""
    column, value = (
        (session_records.c.fingerprint, fingerprint) if fingerprint else (session_records.c.idempotency_key, key)
    )
    row = conn.execute(select(session_records).where(session_records.c.case_id == case_id, column == value)).first()
    return _record(row) if row else None


def next_number(conn: Connection, case_id: int) -> int:
    count = select(func.count()).select_from(session_records).where(session_records.c.case_id == case_id)
    return int(conn.execute(count).scalar_one()) + 1


def add_session(conn: Connection, case_id: int, record: SessionRecord, *, at: datetime, key: str | None) -> None:
    """Insert the numbered record; a request that stored the same number or text meanwhile is a
    ConcurrencyConflict (the caller's retry then finds what it stored)."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(session_records).values(
                    case_id=case_id,
                    number=record.number,
                    attempt=record.attempt,
                    held_at=record.held_at,
                    place=record.place,
                    attendees=list(record.attendees),
                    mediators=list(record.mediators),
                    content=record.content,
                    actor=record.actor,
                    received_at=at,
                    fingerprint=record.fingerprint,
                    idempotency_key=key,
                )
            )
    except IntegrityError:
        raise ConcurrencyConflict(
            f"调解笔录已被同时保存 a session record of case {case_id} was stored meanwhile", field="session"
        ) from None
