"""The Prefect automation firings a worker's sweep has heard, by event id (migration 0019).

The newest heard per work pool is where the next sweep reads Prefect's events from (a restart
neither repeats a firing nor skips one); noting an id twice does nothing. The caller's unit of
work commits, with the alert the firing raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from fengqiao.db.tables import prefect_events_heard


def note(conn: Connection, event_id: str, *, pool: str, occurred: datetime, at: datetime) -> bool:
    """Note the firing as heard; False when it was already (a racing transaction waits for the first).

    The dialects are imported here, by the sweep that notes firings: PostgreSQL's, imported with this
    module, cost every command that reads alerts or cases about 0.02 s on SQLite too."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(prefect_events_heard).values(event_id=event_id, pool=pool, occurred=occurred, heard_at=at)
    stmt = stmt.on_conflict_do_nothing(index_elements=["event_id"]).returning(prefect_events_heard.c.event_id)
    return conn.execute(stmt).first() is not None  # a row back: inserted (rowcount read -1 here on PostgreSQL)


def raised(conn: Connection, event_id: str, alert_id: int) -> None:
    conn.execute(
        update(prefect_events_heard).where(prefect_events_heard.c.event_id == event_id).values(alert_id=alert_id)
    )


def known(conn: Connection, event_ids: Iterable[str]) -> set[str]:
    ids = list(event_ids)
    if not ids:
        return set()
    return set(conn.scalars(select(prefect_events_heard.c.event_id).where(prefect_events_heard.c.event_id.in_(ids))))


def heard_until(conn: Connection, pool: str) -> datetime | None:
    """When the newest firing heard from the pool's automations occurred: the cursor."""
    newest: datetime | None = conn.scalar(
        select(func.max(prefect_events_heard.c.occurred)).where(prefect_events_heard.c.pool == pool)
    )
    return newest
