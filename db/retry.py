"""Which database errors mean the connection was lost (a restart, a failover, a terminated backend).

Those are worth running a step again for (tasks.steps.retrying): every step re-reads the case and
writes only if the case still calls for it. A constraint that refuses a write is never one of them.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

try:
    from psycopg import OperationalError as PsycopgOperationalError
except ImportError:  # pragma: no cover - an installation for SQLite only
    PsycopgOperationalError = ()  # type: ignore[assignment,misc]


def is_lost_connection(exc: BaseException) -> bool:
    """SQLAlchemy invalidated the connection, or PostgreSQL's driver reports an operational failure."""
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc.orig, PsycopgOperationalError)
    return isinstance(exc, PsycopgOperationalError)
