"""Which database errors mean the connection was lost (a restart, a failover, a terminated backend).

Those are worth running a step again for (tasks.retry.retrying): every step re-reads the case and
writes only if the case still calls for it. A constraint that refuses a write is never one of them.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

from fengqiao.models.errors import StepFailed

try:
    from psycopg import OperationalError as PsycopgOperationalError
except ImportError:  # pragma: no cover - an installation for SQLite only
    PsycopgOperationalError = ()  # type: ignore[assignment,misc]


def is_lost_connection(exc: BaseException) -> bool:
    """SQLAlchemy invalidated the connection, or PostgreSQL's driver reports an operational failure
    (also when a task has already put it into a StepFailed)."""
    if isinstance(exc, StepFailed):
        return exc.lost_connection
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc.orig, PsycopgOperationalError)
    return isinstance(exc, PsycopgOperationalError)


def failure_kind(exc: BaseException) -> str:
    """The error's type and, for a database error, its code: what an operator needs, no values."""
    kind = type(exc).__name__
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(orig, "sqlstate", None)  # psycopg
    name = getattr(orig, "sqlite_errorname", None)  # sqlite3
    if isinstance(sqlstate, str):
        return f"{kind} (SQLSTATE {sqlstate})"
    if isinstance(name, str):
        return f"{kind} ({name})"
    return kind
