"""A unit of work: one transaction per change; it rolls back unless commit() was called."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

__all__ = ["Connection", "Engine", "UnitOfWork"]


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection

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

    def commit(self) -> None:
        self._tx.commit()
