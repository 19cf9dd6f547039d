"""Webhook targets (结果同悉): one per key and channel, owned by the key that registered it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from fengqiao.db.tables import api_keys, webhook_targets
from fengqiao.models.access import Caller, Role
from fengqiao.models.result_targets import RegisteredTarget


def register(conn: Connection, *, key_id: int, channel: str, url: str, at: datetime) -> None:
    """The key's target for the channel; the key's earlier one is replaced, never another key's."""
    mine = (webhook_targets.c.key_id == key_id) & (webhook_targets.c.channel == channel)
    if conn.execute(update(webhook_targets).where(mine).values(url=url, created_at=at)).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(webhook_targets).values(key_id=key_id, channel=channel, url=url, created_at=at))
    except IntegrityError:  # the same key registered it a moment ago, in another request
        conn.execute(update(webhook_targets).where(mine).values(url=url, created_at=at))


def of_key(conn: Connection, key_id: int) -> list[dict[str, Any]]:
    query = select(webhook_targets.c.channel, webhook_targets.c.url, webhook_targets.c.created_at)
    rows = conn.execute(query.where(webhook_targets.c.key_id == key_id).order_by(webhook_targets.c.channel))
    return [dict(r._mapping) for r in rows]


def remove(conn: Connection, *, key_id: int, channel: str) -> bool:
    mine = (webhook_targets.c.key_id == key_id) & (webhook_targets.c.channel == channel)
    return conn.execute(delete(webhook_targets).where(mine)).rowcount == 1


def for_channel(conn: Connection, channel: str) -> list[RegisteredTarget]:
    """The channel's targets of keys not revoked, in the order they were first registered."""
    query = (
        select(webhook_targets.c.url, api_keys)
        .join(api_keys, api_keys.c.id == webhook_targets.c.key_id)
        .where(webhook_targets.c.channel == channel, api_keys.c.revoked_at.is_(None))
        .order_by(webhook_targets.c.id)
    )
    return [
        RegisteredTarget(r.url, Caller(r.id, r.name, Role(r.role), tuple(r.areas), tuple(r.orgs)))
        for r in conn.execute(query)
    ]
