"""The coordination centre's board: open cases by level, the most urgent first, and how many are parked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fengqiao.db import board
from fengqiao.db.uow import UnitOfWork
from fengqiao.services.runtime import engine


@dataclass(frozen=True)
class Board:
    counts: dict[tuple[str, str], int]
    rows: list[board.BoardCase]
    parked: int


def read_board(f: board.BoardFilter, *, today: date) -> Board:
    with UnitOfWork(engine()) as uow:
        return Board(board.counts(uow.conn, f), board.urgent_first(uow.conn, f, today=today), board.parked(uow.conn, f))
