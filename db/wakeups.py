"""Wake-ups through the database: a change that gives the workers work says so in its own
transaction, so a worker acts at once instead of at its next poll, and never on a rolled-back change.

PostgreSQL: NOTIFY on one channel, sent inside the transaction and delivered at its commit to every
process that LISTENs (each worker). In this process (and on SQLite, which has no NOTIFY) the
callbacks registered with `on_wakeup` are called after the unit of work commits. A notification
can be lost (a listener reconnecting); the workers' sweep is the safety net, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine, text

from fengqiao.db.uow import UnitOfWork

CHANNEL = "fengqiao_wakeups"
RUNS = "runs"  # a flow run was created or resumed: poll the work pool now
NEW_CASES = "cases"  # a case was registered that needs its first run (the intake outbox)
_callbacks: list[Callable[[str], None]] = []


def on_wakeup(callback: Callable[[str], None]) -> None:
    """Call back (with RUNS or NEW_CASES) after every unit of work in this process that announces."""
    if callback not in _callbacks:
        _callbacks.append(callback)


def announce(uow: UnitOfWork, what: str) -> None:
    if uow.conn.dialect.name == "postgresql":
        uow.conn.execute(text("SELECT pg_notify(:channel, :what)"), {"channel": CHANNEL, "what": what})
    uow.after_commit(lambda: [callback(what) for callback in list(_callbacks)])


def listen(engine: Engine, stopped: threading.Event, callback: Callable[[str], None]) -> None:
    """Until stopped, call back for every wake-up another process announces (PostgreSQL only).

    A dropped connection is opened again; since notifications may have been missed meanwhile,
    the callback then hears both kinds, so the worker catches up at once."""
    if engine.dialect.name != "postgresql":
        return
    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stopped.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True, application_name="fengqiao-wakeups") as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                callback(RUNS)
                callback(NEW_CASES)
                while not stopped.is_set():
                    for notice in conn.notifies(timeout=1.0):
                        callback(notice.payload)
        except psycopg.Error:
            stopped.wait(1.0)
