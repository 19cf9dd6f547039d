"""Intake records (the channel's payload as it arrived) and the open cases a new report may repeat."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, union
from sqlalchemy.exc import IntegrityError

from fengqiao.db.tables import cases, intake_records, parties
from fengqiao.models.case import DuplicateState, Party
from fengqiao.models.duplicates import name_key
from fengqiao.models.errors import ConcurrencyConflict
from fengqiao.models.vocabulary import OPEN_STATUSES, Channel


def by_idempotency_keys(conn: Connection, channel: Channel, keys: Iterable[str]) -> dict[str, tuple[int, str]]:
    """key → (case id, payload hash) of the record first sent under it."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = conn.execute(
        select(intake_records.c.idempotency_key, intake_records.c.case_id, intake_records.c.payload_sha256).where(
            intake_records.c.channel == channel, intake_records.c.idempotency_key.in_(wanted)
        )
    ).all()
    return {r.idempotency_key: (r.case_id, r.payload_sha256) for r in rows}


def senders_of(conn: Connection, case_ids: Iterable[int]) -> dict[int, tuple[int | None, str]]:
    """case id → (the API key that sent its record, None from the command line; the payload hash)."""
    wanted = set(case_ids)
    if not wanted:
        return {}
    rows = conn.execute(
        select(intake_records.c.case_id, intake_records.c.key_id, intake_records.c.payload_sha256).where(
            intake_records.c.case_id.in_(wanted)
        )
    ).all()
    return {r.case_id: (r.key_id, r.payload_sha256) for r in rows}


def add_intake_records(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Keep each payload; a key another request has just used is a conflict the caller retries from.

    rows: case_id, channel, idempotency_key, key_id, payload, payload_sha256, reply_due, received_at.
    """
    if not rows:
        return
    try:
        conn.execute(_INTAKE_RECORDS, rows)
    except IntegrityError:
        raise ConcurrencyConflict(
            "该 Idempotency-Key 刚被另一请求使用 an Idempotency-Key was just used by another request",
            field="Idempotency-Key",
        ) from None


def intake_record(conn: Connection, case_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(intake_records).where(intake_records.c.case_id == case_id)).first()
    return dict(row._mapping) if row else None


# open_reports' statements, built once: every registration asks them (building one took longer than running it)
_SHARING = union(
    select(parties.c.case_id).where(parties.c.match_key.in_(bindparam("keys", expanding=True))),
    select(parties.c.case_id).where(parties.c.id_number.in_(bindparam("ids", expanding=True))),
    select(parties.c.case_id).where(parties.c.phone.in_(bindparam("phones", expanding=True))),
)
_OPEN_SHARING = select(
    cases.c.id,
    cases.c.case_no,
    cases.c.area_code,
    cases.c.dispute_type,
    cases.c.declared_type,
    cases.c.summary,
    cases.c.created_at,
).where(
    cases.c.id.in_(bindparam("sharing", expanding=True)),
    cases.c.status.in_(OPEN_STATUSES),
    cases.c.created_at >= bindparam("since", type_=cases.c.created_at.type),
    cases.c.test == bindparam("test"),
    or_(cases.c.duplicate_state.is_(None), cases.c.duplicate_state == DuplicateState.SPLIT),
)
_INTAKE_RECORDS = insert(intake_records)


def open_reports(
    conn: Connection, *, since: datetime, people: Iterable[Party], test: bool = False
) -> list[dict[str, Any]]:
    """Open cases (not themselves duplicates) since a time sharing a name, ID or phone with any of
    the people given, each with all its parties; only test cases for a test report, only real ones
    otherwise. Parties first: index lookups find the few cases sharing someone (usually none), so
    the cost does not grow with the number of open cases."""
    people = list(people)
    keys = {name_key(p.name) for p in people}
    ids = {p.id_number for p in people if p.id_number}
    phones = {p.phone for p in people if p.phone}
    if not keys:
        return []
    found_by = {"keys": sorted(keys), "ids": sorted(ids), "phones": sorted(phones)}  # an empty list finds none
    sharing = {r.case_id for r in conn.execute(_SHARING, found_by).all()}
    if not sharing:
        return []
    rows = conn.execute(_OPEN_SHARING, {"sharing": sorted(sharing), "since": since, "test": test}).all()
    found = [dict(r._mapping) | {"parties": []} for r in rows]
    if found:
        by_id = {f["id"]: f for f in found}
        for p in conn.execute(select(parties).where(parties.c.case_id.in_(by_id))).all():
            by_id[p.case_id]["parties"].append(Party(p.role, p.name, p.id_number, p.phone))
    return found


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
