"""Whether the database answers: for GET /health, which says nothing about cases."""

from __future__ import annotations

from fengqiao.db.uow import UnitOfWork
from fengqiao.services.runtime import engine


def database_health() -> str:
    """`ok`, or `unreachable:` and the failure's type (never its text, which can name a host or a user)."""
    try:
        with UnitOfWork(engine()) as uow:
            uow.conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure is what this reports
        return f"unreachable: {type(exc).__name__}"
    return "ok"
