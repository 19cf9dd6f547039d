"""A person's inputs on a case (answers, results, follow-ups): stored once per kind and round.

A function per question over one connection; the caller's unit of work commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select
from sqlalchemy.exc import IntegrityError

from fengqiao.db.tables import human_inputs
from fengqiao.models.case import HumanInput
from fengqiao.models.errors import InputConflict
from fengqiao.models.vocabulary import InputKind


def get_inputs(conn: Connection, case_id: int) -> dict[tuple[InputKind, int], HumanInput]:
    rows = conn.execute(select(human_inputs).where(human_inputs.c.case_id == case_id)).all()
    return {(InputKind(r.kind), r.round): _input(r) for r in rows}


def input_by_key(conn: Connection, case_id: int, key: str) -> HumanInput | None:
    """The answer recorded on the case with this Idempotency-Key, if any."""
    where = (human_inputs.c.case_id == case_id, human_inputs.c.idempotency_key == key)
    row = conn.execute(select(human_inputs).where(*where)).one_or_none()
    return _input(row) if row else None


def _input(r: Row[Any]) -> HumanInput:
    return HumanInput(InputKind(r.kind), r.round, r.value, r.note, r.actor)


def add_input(
    conn: Connection, case_id: int, item: HumanInput, *, at: datetime, key: str | None = None
) -> tuple[HumanInput, bool]:
    """Store an input once per (case, kind, round), with its Idempotency-Key if it came with one:
    (the stored input, whether this call stored it).

    The same input again is answered with what is stored; a different one is a conflict. A key
    stored meanwhile by another request with a different answer is a conflict too.
    """
    try:
        with conn.begin_nested():
            conn.execute(
                insert(human_inputs).values(
                    case_id=case_id,
                    kind=item.kind,
                    round=item.round,
                    value=item.value,
                    note=item.note,
                    actor=item.actor,
                    received_at=at,
                    idempotency_key=key,
                )
            )
        return item, True
    except IntegrityError:
        keyed = input_by_key(conn, case_id, key) if key else None
        if keyed is not None:  # the same key, stored meanwhile by another request
            if (keyed.kind, keyed.round, keyed.value, keyed.note) != (item.kind, item.round, item.value, item.note):
                raise InputConflict(
                    "该 Idempotency-Key 已用于本案的另一答复 "
                    f"the Idempotency-Key was already used for a different answer on case {case_id}",
                    field="Idempotency-Key",
                ) from None
            return keyed, False
        stored = get_inputs(conn, case_id)[(item.kind, item.round)]
        if (stored.value, stored.note) != (item.value, item.note):
            raise InputConflict(
                "已记录过不同的答复 "
                f"{item.kind} {item.round} of case {case_id} is already recorded as {stored.value!r} by {stored.actor}",
                field="result",
            ) from None
        return stored, False
