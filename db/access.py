"""API keys (stored as hashes) and the append-only access log of personal data.

A key is `fq_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole key is
compared in constant time. Keys are 192 random bits, so a fast hash is enough; a slow password
hash would only slow every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from fengqiao.db import evidence
from fengqiao.db.tables import api_keys, intake_records
from fengqiao.models.access import Caller, Role
from fengqiao.models.errors import InvalidInput


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    conn: Connection,
    *,
    name: str,
    role: Role,
    areas: tuple[str, ...],
    orgs: tuple[str, ...],
    at: datetime,
    test: bool = False,
) -> tuple[int, str]:
    """(the key's id, the key itself): the key is shown once and never stored."""
    if not 0 < len(name) <= 100:
        raise InvalidInput("密钥名称应为1至100个字符 a key's name is 1 to 100 characters", field="name")
    if conn.scalar(select(api_keys.c.id).where(api_keys.c.name == name)) is not None:
        raise InvalidInput(
            f"已有名为 {name!r} 的密钥，日志以名称区分密钥 "
            f"a key named {name!r} exists already; names identify keys in the logs",
            field="name",
        )
    prefix = secrets.token_hex(4)
    key = f"fq_{prefix}_{secrets.token_urlsafe(24)}"
    key_id = conn.execute(
        insert(api_keys)
        .values(
            name=name,
            role=role.value,
            areas=list(areas),
            orgs=list(orgs),
            prefix=prefix,
            sha256=_digest(key),
            created_at=at,
            test=test,
        )
        .returning(api_keys.c.id)
    ).scalar_one()
    return key_id, key


def caller_for(conn: Connection, key: str) -> Caller | None:
    """The caller a presented key stands for, or None (unknown, malformed or revoked)."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "fq":
        return None
    row = conn.execute(
        select(api_keys).where(api_keys.c.prefix == parts[1], api_keys.c.revoked_at.is_(None))
    ).one_or_none()
    if row is None or not hmac.compare_digest(row.sha256, _digest(key)):
        return None
    return Caller(row.id, row.name, Role(row.role), tuple(row.areas), tuple(row.orgs), test=row.test)


def sender_of(conn: Connection, case_id: int) -> int | None:
    """The API key that sent the case's intake record (None: the command line, or before migration 0007)."""
    return conn.scalar(select(intake_records.c.key_id).where(intake_records.c.case_id == case_id))


def revoke_key(conn: Connection, key_id: int, *, at: datetime) -> bool:
    result = conn.execute(
        update(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)).values(revoked_at=at)
    )
    return result.rowcount == 1


def list_keys(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            api_keys.c.id,
            api_keys.c.name,
            api_keys.c.role,
            api_keys.c.areas,
            api_keys.c.orgs,
            api_keys.c.prefix,
            api_keys.c.created_at,
            api_keys.c.revoked_at,
            api_keys.c.test,
        ).order_by(api_keys.c.id)
    ).all()
    return [dict(r._mapping) for r in rows]


def log_access(
    conn: Connection,
    caller: Caller,
    *,
    case_id: int,
    action: str,
    fields: list[str],
    reason: str,
    at: datetime,
) -> None:
    """Who read (or unmasked) which personal data of which case, when and why. Never updated: each
    row is the next link of the case's access chain (db/evidence.py)."""
    evidence.append_access(
        conn,
        dict(
            at=at,
            key_id=caller.key_id,
            key_name=caller.name,
            role=caller.role.value,
            case_id=case_id,
            action=action,
            fields=fields,
            reason=reason,
        ),
    )
