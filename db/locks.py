"""A lock held by one process at a time among all that share the database: one sweep across workers.

PostgreSQL: a session advisory lock on a connection kept for the block (released with the
connection if the process dies). SQLite, which only processes on one machine share: an flock on a
file beside the database. Either way, taking it never waits: a busy lock means another process
is doing the work now.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select


@contextmanager
def held_alone(engine: Engine, name: str) -> Iterator[bool]:
    """Whether this process holds the lock `name` for the block (False: another one holds it)."""
    if engine.dialect.name == "postgresql":
        key = zlib.crc32(f"fengqiao:{name}".encode())
        with engine.connect() as conn:
            got = bool(conn.execute(select(func.pg_try_advisory_lock(key))).scalar_one())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(select(func.pg_advisory_unlock(key)))
                    conn.commit()
        return
    database = engine.url.database
    path = Path(database).with_name(f"{Path(database).name}.{name}.lock") if database else None
    if path is None or database == ":memory:":
        yield True  # one process by definition
        return
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
