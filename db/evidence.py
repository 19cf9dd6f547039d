"""The hash chains in the database (models.evidence): linking each new row to the one before it,
and reading the chains back, in order, to verify them or take their heads.

A transition is linked in save_move's transaction, after its conditional UPDATE of the case: the
case's version serialises writers, so the row before it (seq - 1) is committed and no other
writer can link to it. Access-log rows have no version to race on, so appending one takes a
transaction-scoped lock on its case's access chain first (PostgreSQL advisory lock; SQLite's
BEGIN IMMEDIATE already admits one writer at a time), and (case_id, seq) is unique besides.

Each row also gets `recorded_at`, when it was written: on PostgreSQL a trigger the application's
role cannot disable sets it to the server's clock (migration 0016), whatever the INSERT said, so
`audit verify --since` selects by it and not by `at`, which any writer chooses.

Reading never fails on a row fengqiao would not write (an `at` of -infinity, text that is not
UTF-8, fields that are not JSON): the value comes back as something models.evidence.unreadable
reports, so one planted row cannot stop every later verification.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any
from typing import cast as cast_mapping

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    create_engine,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.expression import TableClause

from fengqiao.db.tables import TS, access_log, cases, transitions
from fengqiao.models.evidence import Chain, Head, chained, start_hash

TABLES: dict[Chain, Table] = {Chain.TIMELINE: transitions, Chain.ACCESS: access_log}
ACCESS_LOCK = zlib.crc32(b"fengqiao:access_chain") - 2**31  # an int4 class id for the advisory locks
STREAM = 20_000  # rows fetched at a time while verifying
SANE = (datetime(2, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))  # instants Python holds, whatever the CHECK


def link_transition(conn: Connection, row: Mapping[str, Any], *, case_no: str | None = None) -> dict[str, Any]:
    """The transition row with its prev_hash, row_hash and recorded_at, as save_move and intake insert
    it; the first of a case's timeline starts from its number (case_no, which intake knows)."""
    if row["seq"] == 1:
        prev, row = start_hash(Chain.TIMELINE, row["case_id"], case_no), dict(row)
    else:
        prev, row = _after(conn, row)
    return {**chained(Chain.TIMELINE, row, prev), "recorded_at": datetime.now(UTC)}


def append_access(conn: Connection, row: Mapping[str, Any]) -> None:
    """Insert an access-log row as the next link of its case's access chain."""
    case_id = row["case_id"]
    if conn.dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock(cast(literal(ACCESS_LOCK), Integer), cast(literal(case_id % 2**31), Integer))
        conn.execute(select(lock))
    head = conn.execute(
        select(access_log.c.seq, access_log.c.row_hash, access_log.c.at)
        .where(access_log.c.case_id == case_id, access_log.c.seq.is_not(None))
        .order_by(access_log.c.seq.desc())
        .limit(1)
    ).first()
    if head:
        seq, prev = head.seq + 1, head.row_hash or ""  # a head without a hash: the chain is broken already
        row = {**row, "at": max(row["at"], head.at)}  # a reader that waited for the lock: not before the row it follows
    else:
        seq, prev = (
            1,
            start_hash(Chain.ACCESS, case_id, conn.scalar(select(cases.c.case_no).where(cases.c.id == case_id))),
        )
    linked = chained(Chain.ACCESS, {**row, "seq": seq}, prev)
    conn.execute(insert(access_log).values(**linked, recorded_at=datetime.now(UTC)))


def _after(conn: Connection, row: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The hash of the transition before this one, and the row dated no earlier than that one: a
    chain's `at` never goes back (a writer whose instant was taken before the last writer
    committed is dated at that writer's instant, a matter of milliseconds)."""
    before = conn.execute(
        select(transitions.c.row_hash, transitions.c.at)
        .where(transitions.c.case_id == row["case_id"], transitions.c.seq < row["seq"])
        .order_by(transitions.c.seq.desc())
        .limit(1)
    ).first()
    if before is None:
        return "", dict(row)
    return before.row_hash or "", {**row, "at": max(row["at"], before.at)}


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection that reads the chains without holding back writers, however long it takes.

    fengqiao's SQLite engine begins every transaction IMMEDIATE (db/engine.py), which would stop
    every writer for the whole of a verification; here SQLite reads in autocommit, each statement
    on its own snapshot (WAL), and PostgreSQL in an ordinary READ COMMITTED transaction. Each chain
    is read by one statement, with its cases' versions, so what it judges is consistent. SQLite's
    text that is not UTF-8 is read with its bad bytes kept as surrogates (not refused): a row that
    holds some is reported, not the verification stopped.
    """
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            yield conn
        return
    plain = create_engine(engine.url, connect_args={"timeout": 60}, poolclass=NullPool, hide_parameters=True)
    event.listen(plain, "connect", _lenient_text)
    try:
        with plain.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")
    finally:
        plain.dispose()


def _lenient_text(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")


def recorded_since(since: datetime) -> Any:
    """The ids of the cases with a row of either chain recorded (by the database's clock, not the
    row's `at`) at or after `since`: what `audit verify --since` verifies, each chain whole. A row
    written before migration 0016 has no recorded_at (none can be written without one since, on
    PostgreSQL): its `at` stands in."""
    parts = [
        select(t.c.case_id).where(or_(t.c.recorded_at >= since, and_(t.c.recorded_at.is_(None), t.c.at >= since)))
        for t in TABLES.values()
    ]
    return union_all(*parts)


def readable_columns(table: TableClause, dialect: str) -> list[Any]:
    """The row's columns read so that no stored value fails the read: PostgreSQL gives an `at`
    Python cannot hold (±infinity, year 10000) as None, SQLite its stored text (and recorded_at's),
    parsed by readable_values; `fields` comes as its JSON text on both, parsed there too (however
    deep it nests)."""
    rest = [c for c in table.c if c.name not in ("at", "fields", "recorded_at")]
    if dialect == "postgresql":
        readable = _readable_at(table)
        shown = case((readable, None), else_=cast(table.c.at, Text))  # the text only of what cannot be read
        columns = [*rest, _sane_at(table).label("at"), shown.label("at_text")]
    else:
        columns = [*rest, type_coerce(table.c.at, Text).label("at_text")]
    if "recorded_at" in table.c:
        recorded = table.c.recorded_at
        columns.append(recorded if dialect == "postgresql" else type_coerce(recorded, Text).label("recorded_at"))
    if "fields" in table.c:
        fields = cast(table.c.fields, Text) if dialect == "postgresql" else type_coerce(table.c.fields, Text)
        columns.append(fields.label("fields"))
    return columns


def _readable_at(table: TableClause) -> Any:
    low, high = (literal(at, TS) for at in SANE)
    return table.c.at.between(low, high)


def _sane_at(table: TableClause) -> Any:
    """PostgreSQL's `at`, None where Python cannot hold it (±infinity, year 10000)."""
    return type_coerce(case((_readable_at(table), table.c.at), else_=None), TS)


def _instant(raw: Any) -> datetime | None:
    """SQLite's stored text of an instant (UTC, written without its zone), or None if it is none."""
    try:
        at = datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def readable_values(row: Any, sqlite: bool) -> Mapping[str, Any]:
    """A row of readable_columns with its values parsed, as far as they parse (PostgreSQL's
    timeline rows need nothing)."""
    if not sqlite and "fields" not in row:
        return cast_mapping(Mapping[str, Any], row)
    found = dict(row)
    if sqlite:
        found["at"] = _instant(found["at_text"])
        found["recorded_at"] = _instant(found.get("recorded_at"))
    if "fields" in found:
        with suppress(TypeError, ValueError, RecursionError):  # else left as stored: evidence.unreadable names it
            found["fields"] = json.loads(found["fields"])
    return found


def chain_rows(conn: Connection, chain: Chain, *, cases_of: Any = None) -> Iterator[Mapping[str, Any]]:
    """The chain's rows in (case, seq) order, with their case's number, version and status (as
    case_status); only the cases
    whose ids `cases_of` selects, if given."""
    table = TABLES[chain]
    query = (
        select(
            *readable_columns(table, conn.dialect.name),
            cases.c.case_no,
            cases.c.version,
            cases.c.status.label("case_status"),
        )
        .join(cases, cases.c.id == table.c.case_id)
        .order_by(table.c.case_id, table.c.seq)
    )
    if cases_of is not None:
        query = query.where(table.c.case_id.in_(cases_of))
    sqlite = conn.dialect.name == "sqlite"
    for row in conn.execution_options(stream_results=True, yield_per=STREAM).execute(query).mappings():
        yield readable_values(row, sqlite)


def cases_without_timeline(conn: Connection, *, cases_of: Any = None) -> list[tuple[int, str | None, int]]:
    """Cases with no transition at all (each case is registered with one): id, number, version."""
    query = select(cases.c.id, cases.c.case_no, cases.c.version).where(
        ~select(transitions.c.id).where(transitions.c.case_id == cases.c.id).exists()
    )
    if cases_of is not None:
        query = query.where(cases.c.id.in_(cases_of))
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


def stored_links(conn: Connection, *, case_id: int | None = None) -> Iterator[Mapping[str, Any]]:
    """Every linked row's case_id, chain, seq, row_hash, recorded_at, at (None if unreadable) and its
    case's number, by case, chain and seq: to hold a digest against, both ways."""
    sqlite = conn.dialect.name == "sqlite"
    parts = []
    for chain, table in TABLES.items():
        recorded = type_coerce(table.c.recorded_at, Text) if sqlite else table.c.recorded_at
        at = type_coerce(table.c.at, Text) if sqlite else _sane_at(table)
        part = _linked(chain).add_columns(recorded.label("recorded_at"), at.label("at"))
        parts.append(part if case_id is None else part.where(table.c.case_id == case_id))
    every = union_all(*parts).subquery()
    query = (
        select(every, cases.c.case_no)
        .join(cases, cases.c.id == every.c.case_id)
        .order_by(every.c.case_id, every.c.chain, every.c.seq)
    )
    for row in conn.execution_options(stream_results=True, yield_per=STREAM).execute(query).mappings():
        if sqlite:
            yield {**row, "recorded_at": _instant(row["recorded_at"]), "at": _instant(row["at"])}
        else:
            yield dict(row)
