"""A unit of work: one transaction per change; it rolls back unless commit() was called.

What must happen only once the change is stored (a wake-up for this process's worker) is
registered with after_commit and run after the commit, never after a rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Connection, Engine

__all__ = ["Connection", "Engine", "UnitOfWork"]


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection
        self._after_commit: list[Callable[[], object]] = []

    def __enter__(self) -> UnitOfWork:
        self.conn = self.engine.connect()
        self._tx = self.conn.begin()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._tx.is_active:
            self._tx.rollback()
        self.conn.close()

    def after_commit(self, action: Callable[[], object]) -> None:
        self._after_commit.append(action)

    def commit(self) -> None:
        self._tx.commit()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()
