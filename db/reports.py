"""Intake records (the channel's payload as it arrived) and the open cases a new report may repeat."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from db.tables import cases, intake_records, parties
from models.case import DuplicateState, Party
from models.duplicates import name_key
from models.errors import ConcurrencyConflict
from models.vocabulary import OPEN_STATUSES, Channel


def by_idempotency_key(conn: Connection, channel: Channel, key: str) -> tuple[int, str] | None:
    """(case id, payload hash) of the record first sent under this key."""
    row = conn.execute(
        select(intake_records.c.case_id, intake_records.c.payload_sha256).where(
            intake_records.c.channel == channel, intake_records.c.idempotency_key == key
        )
    ).first()
    return (row.case_id, row.payload_sha256) if row else None


def add_intake_record(
    conn: Connection,
    *,
    case_id: int,
    channel: Channel,
    idempotency_key: str | None,
    payload: dict[str, Any],
    payload_sha256: str,
    reply_due: datetime | None,
    at: datetime,
) -> None:
    """Keep the payload; a key another request has just used is a conflict the caller retries from."""
    try:
        conn.execute(
            insert(intake_records).values(
                case_id=case_id,
                channel=channel,
                idempotency_key=idempotency_key,
                payload_sha256=payload_sha256,
                payload=payload,
                reply_due=reply_due,
                received_at=at,
            )
        )
    except IntegrityError:
        raise ConcurrencyConflict(f"Idempotency-Key {idempotency_key} was just used", field="Idempotency-Key") from None


def intake_record(conn: Connection, case_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(intake_records).where(intake_records.c.case_id == case_id)).first()
    return dict(row._mapping) if row else None


def open_reports(
    conn: Connection, *, area_prefix: str, since: datetime, people: tuple[Party, ...]
) -> list[dict[str, Any]]:
    """Open cases (not themselves duplicates) in the area since a time sharing a name, ID or phone with
    the people of the new report, each with all its parties. The indexes on parties keep this small."""
    keys = {name_key(p.name) for p in people}
    ids = {p.id_number for p in people if p.id_number}
    phones = {p.phone for p in people if p.phone}
    sharing = select(parties.c.case_id).where(
        or_(
            parties.c.match_key.in_(keys),
            parties.c.id_number.in_(ids or {""}),
            parties.c.phone.in_(phones or {""}),
        )
    )
    rows = conn.execute(
        select(
            cases.c.id,
            cases.c.case_no,
            cases.c.area_code,
            cases.c.dispute_type,
            cases.c.declared_type,
            cases.c.summary,
            cases.c.created_at,
        ).where(
            cases.c.status.in_(OPEN_STATUSES),
            cases.c.area_code.startswith(area_prefix, autoescape=True),
            cases.c.created_at >= since,
            cases.c.id.in_(sharing),
            or_(cases.c.duplicate_state.is_(None), cases.c.duplicate_state == DuplicateState.SPLIT),
        )
    ).all()
    found = [dict(r._mapping) | {"parties": [], "created_at": _aware(r.created_at)} for r in rows]
    if found:
        by_id = {f["id"]: f for f in found}
        for p in conn.execute(select(parties).where(parties.c.case_id.in_(by_id))).all():
            by_id[p.case_id]["parties"].append(Party(p.role, p.name, p.id_number, p.phone))
    return found


def _aware(at: datetime) -> datetime:
    """SQLite hands back naive datetimes; fengqiao stores UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def count_reports(conn: Connection, case_id: int) -> int:
    """How many times the dispute was reported: the case itself and its suspected or confirmed duplicates."""
    linked = conn.scalar(
        select(func.count()).where(
            and_(
                cases.c.duplicate_of == case_id,
                cases.c.duplicate_state.in_((DuplicateState.SUSPECTED, DuplicateState.CONFIRMED)),
            )
        )
    )
    return 1 + int(linked or 0)


def suspected_duplicates(conn: Connection) -> list[dict[str, Any]]:
    """The reports waiting for a supervisor to confirm or split them, oldest first."""
    original = cases.alias("original")
    rows = conn.execute(
        select(
            cases.c.case_no,
            cases.c.channel,
            cases.c.channel_ref,
            cases.c.created_at,
            original.c.case_no.label("duplicate_of"),
            cases.c.duplicate_reason,
        )
        .join(original, original.c.id == cases.c.duplicate_of)
        .where(cases.c.duplicate_state == DuplicateState.SUSPECTED)
        .order_by(cases.c.id)
    ).all()
    return [dict(r._mapping) for r in rows]
