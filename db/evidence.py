"""The hash chains in the database (models.evidence): linking each new row to the one before it,
and reading the chains back, in order, to verify them or take their heads.

A transition is linked in save_move's transaction, after its conditional UPDATE of the case: the
case's version serialises writers, so the row before it (seq - 1) is committed and no other
writer can link to it. Access-log rows have no version to race on, so appending one takes a
transaction-scoped lock on its case's access chain first (PostgreSQL advisory lock; SQLite's
BEGIN IMMEDIATE already admits one writer at a time), and (case_id, seq) is unique besides.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from typing import cast as cast_rows

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    String,
    Table,
    and_,
    cast,
    create_engine,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.pool import NullPool

from fengqiao.db.tables import access_log, cases, transitions
from fengqiao.models.evidence import GENESIS, Chain, Head, chained

TABLES: dict[Chain, Table] = {Chain.TIMELINE: transitions, Chain.ACCESS: access_log}
ACCESS_LOCK = zlib.crc32(b"fengqiao:access_chain") - 2**31  # an int4 class id for the advisory locks
STREAM = 20_000  # rows fetched at a time while verifying


def link_transition(conn: Connection, row: Mapping[str, Any]) -> dict[str, Any]:
    """The transition row with its prev_hash and row_hash, as save_move and intake insert it."""
    prev = GENESIS if row["seq"] == 1 else _hash_before(conn, Chain.TIMELINE, row["case_id"], row["seq"])
    return chained(Chain.TIMELINE, row, prev)


def append_access(conn: Connection, row: Mapping[str, Any]) -> None:
    """Insert an access-log row as the next link of its case's access chain."""
    case_id = row["case_id"]
    if conn.dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock(cast(literal(ACCESS_LOCK), Integer), cast(literal(case_id % 2**31), Integer))
        conn.execute(select(lock))
    head = conn.execute(
        select(access_log.c.seq, access_log.c.row_hash)
        .where(access_log.c.case_id == case_id, access_log.c.seq.is_not(None))
        .order_by(access_log.c.seq.desc())
        .limit(1)
    ).first()
    seq = head.seq + 1 if head else 1
    prev = (head.row_hash if head else None) or GENESIS
    conn.execute(insert(access_log).values(**chained(Chain.ACCESS, {**row, "seq": seq}, prev)))


def _hash_before(conn: Connection, chain: Chain, case_id: int, seq: int) -> str:
    table = TABLES[chain]
    found = conn.scalar(
        select(table.c.row_hash)
        .where(table.c.case_id == case_id, table.c.seq < seq)
        .order_by(table.c.seq.desc())
        .limit(1)
    )
    return found or GENESIS


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection that reads the chains without holding back writers, however long it takes.

    fengqiao's SQLite engine begins every transaction IMMEDIATE (db/engine.py), which would stop
    every writer for the whole of a verification; here SQLite reads in autocommit, each statement
    on its own snapshot (WAL), and PostgreSQL in an ordinary READ COMMITTED transaction. Each chain
    is read by one statement, with its cases' versions, so what it judges is consistent.
    """
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            yield conn
        return
    plain = create_engine(engine.url, connect_args={"timeout": 60}, poolclass=NullPool, hide_parameters=True)
    try:
        with plain.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")
    finally:
        plain.dispose()


def chain_rows(
    conn: Connection, chain: Chain, *, case_id: int | None = None, since: datetime | None = None
) -> Iterator[Mapping[str, Any]]:
    """The chain's rows in (case, seq) order, each with the stored row before it (before_seq,
    before_hash) and its case's number and version; only rows written at or after `since`."""
    table = TABLES[chain]
    inner = select(
        *table.c,
        func.lag(table.c.seq).over(partition_by=table.c.case_id, order_by=table.c.seq).label("before_seq"),
        func.lag(table.c.row_hash).over(partition_by=table.c.case_id, order_by=table.c.seq).label("before_hash"),
    )
    if case_id is not None:
        inner = inner.where(table.c.case_id == case_id)
    rows = inner.subquery()
    query = (
        select(rows, cases.c.case_no, cases.c.version)
        .join(cases, cases.c.id == rows.c.case_id)
        .order_by(rows.c.case_id, rows.c.seq)
    )
    if since is not None:
        query = query.where(rows.c.at >= since)
    found = conn.execution_options(stream_results=True, yield_per=STREAM).execute(query).mappings()
    yield from cast_rows(Iterator[Mapping[str, Any]], found)


def cases_without_timeline(conn: Connection, *, case_id: int | None = None) -> list[tuple[int, str | None, int]]:
    """Cases with no transition at all (each case is registered with one): id, number, version."""
    query = select(cases.c.id, cases.c.case_no, cases.c.version).where(
        ~select(transitions.c.id).where(transitions.c.case_id == cases.c.id).exists()
    )
    if case_id is not None:
        query = query.where(cases.c.id == case_id)
    return [(r.id, r.case_no, r.version) for r in conn.execute(query)]


def _linked(chain: Chain) -> Any:
    table = TABLES[chain]
    return select(
        table.c.case_id, cast(literal(chain.value), String).label("chain"), table.c.seq, table.c.row_hash
    ).where(table.c.seq.is_not(None))


def heads(conn: Connection) -> Iterator[Head]:
    """Each chain's last row, by case then chain (the digest's order)."""
    parts = []
    for chain, table in TABLES.items():
        last = select(table.c.case_id, func.max(table.c.seq).label("seq")).group_by(table.c.case_id).subquery()
        parts.append(_linked(chain).join(last, and_(last.c.case_id == table.c.case_id, last.c.seq == table.c.seq)))
    every = union_all(*parts).subquery()
    query = (
        select(every, cases.c.case_no)
        .join(cases, cases.c.id == every.c.case_id)
        .order_by(every.c.case_id, every.c.chain)
    )
    for r in conn.execution_options(stream_results=True, yield_per=STREAM).execute(query):
        yield Head(r.case_id, r.case_no, Chain(r.chain), r.seq, r.row_hash)


def stored_links(conn: Connection, *, case_id: int | None = None) -> Iterator[tuple[int, Chain, int, str | None]]:
    """(case_id, chain, seq, row_hash) of every row, by case, chain and seq: to hold a digest against."""
    parts = [_linked(chain) for chain in TABLES]
    if case_id is not None:
        parts = [p.where(TABLES[chain].c.case_id == case_id) for p, chain in zip(parts, TABLES, strict=True)]
    every = union_all(*parts).subquery()
    query = select(every).order_by(every.c.case_id, every.c.chain, every.c.seq)
    for r in conn.execution_options(stream_results=True, yield_per=STREAM).execute(query):
        yield r.case_id, Chain(r.chain), r.seq, r.row_hash
