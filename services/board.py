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
    held: int  # reports held as possible duplicates (并单), for a person to decide


def read_board(f: board.BoardFilter, *, today: date) -> Board:
    with UnitOfWork(engine()) as uow:
        c = uow.conn
        return Board(board.counts(c, f), board.urgent_first(c, f, today=today), board.parked(c, f), board.held(c, f))
