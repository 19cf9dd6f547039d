"""hash chains over each case's timeline and access log; TRUNCATE refused

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 21:00:00

transitions gain prev_hash and row_hash; access_log gains seq (1, 2, … per case, unique with the
case) and the same two hashes (models.evidence says what is hashed). Existing rows are chained
here, in (case, seq) order for the timeline and (case, id) order for the access log, so
`fengqiao audit verify` holds for an upgraded installation as for a new one.

Rows are append-only by trigger; filling the new columns is the one rewrite ever made, with the
UPDATE triggers off for it (PostgreSQL: DISABLE TRIGGER; SQLite: dropped and made again, as in
0008). Adding nullable columns is a plain ALTER TABLE on both, so no table is copied and the
triggers stay. On PostgreSQL a statement trigger now refuses TRUNCATE too (a row trigger never
sees it). Downgrade drops the columns, the index and the TRUNCATE triggers; the rows stay.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from fengqiao.db.tables import TS
from fengqiao.models.evidence import CONTENT, GENESIS, Chain, chained

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = {"transitions": "fengqiao_append_only", "access_log": "fengqiao_access_log_append_only"}
REFUSALS = {"transitions": "transitions are append-only", "access_log": "access_log is append-only"}
BATCH = 5000


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("prev_hash", sa.String(length=64), nullable=True))
        op.add_column(table, sa.Column("row_hash", sa.String(length=64), nullable=True))
    op.add_column("access_log", sa.Column("seq", sa.Integer(), nullable=True))
    with _update_triggers_off():
        _chain_existing("transitions", Chain.TIMELINE, order="seq")
        _chain_existing("access_log", Chain.ACCESS, order="id")
    op.create_index("ix_access_log_case_seq", "access_log", ["case_id", "seq"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        for table, function in TABLES.items():
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def _chain_existing(table: str, chain: Chain, *, order: str) -> None:
    """Every stored row gets its place in its case's chain, in the order it was written (pages of
    BATCH rows, so a large table is never held in memory)."""
    typed = {"at": TS, "fields": sa.JSON()}
    names = ["id", *(n for n in CONTENT[chain] if n != "seq" or chain is Chain.TIMELINE)]
    source = sa.table(table, *(sa.column(n, typed.get(n)) for n in names))
    by = (source.c.case_id, source.c[order])
    conn = op.get_bind()
    case_id, seq, prev, after = None, 0, GENESIS, None
    while True:
        page = sa.select(source).order_by(*by).limit(BATCH)
        if after is not None:
            page = page.where(sa.tuple_(*by) > sa.tuple_(*after))
        rows = conn.execute(page).mappings().all()
        if not rows:
            return
        updates = []
        for row in rows:
            if row["case_id"] != case_id:
                case_id, seq, prev = row["case_id"], 0, GENESIS
            seq += 1
            stored = chained(chain, {**row, "seq": row.get("seq", seq)}, prev)
            prev = stored["row_hash"]
            updates.append({"_id": row["id"], "_seq": stored["seq"], "_prev": stored["prev_hash"], "_hash": prev})
        _store(table, chain, updates)
        after = (rows[-1]["case_id"], rows[-1][order])


def _store(table: str, chain: Chain, updates: list[dict[str, object]]) -> None:
    target = sa.table(table, sa.column("id"), sa.column("seq"), sa.column("prev_hash"), sa.column("row_hash"))
    values: dict[str, Any] = {"prev_hash": sa.bindparam("_prev"), "row_hash": sa.bindparam("_hash")}
    if chain is Chain.ACCESS:
        values["seq"] = sa.bindparam("_seq")
    op.get_bind().execute(sa.update(target).where(target.c.id == sa.bindparam("_id")).values(**values), updates)


class _update_triggers_off:
    """The append-only UPDATE triggers, off for the statements of the block only."""

    def __enter__(self) -> None:
        if op.get_bind().dialect.name == "postgresql":
            for table in TABLES:
                op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        else:
            for table in TABLES:
                op.execute(f"DROP TRIGGER {table}_no_update")

    def __exit__(self, *exc: object) -> None:
        if op.get_bind().dialect.name == "postgresql":
            for table in TABLES:
                op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
        else:
            for table in TABLES:
                op.execute(
                    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{REFUSALS[table]}'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.drop_index("ix_access_log_case_seq", table_name="access_log")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("access_log", "seq")
        for table in TABLES:
            op.drop_column(table, "row_hash")
            op.drop_column(table, "prev_hash")
    else:  # SQLite's own DROP COLUMN: a batch table copy would drop the triggers
        op.execute("ALTER TABLE access_log DROP COLUMN seq")
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} DROP COLUMN row_hash")
            op.execute(f"ALTER TABLE {table} DROP COLUMN prev_hash")
