"""each chain starts from its case's number; sane instants; case numbers fixed; recorded_at

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 03:00:00

Closes what an attacker holding only the application's role could do to the evidence (issue 18):

- A chain's first row now links to the SHA-256 of {"case_id", "case_no", "chain"} instead of 64
  zeros (models.evidence.start_hash), so swapping two cases' numbers breaks both chains; every
  stored row is re-chained to it. A row's content, and so its place, is unchanged; only prev_hash
  and row_hash are rewritten, with the UPDATE triggers off for it, as 0011 did. Before anything is
  written every chain is verified under the old rule: a chain already broken is not re-chained over
  (that would launder it); the upgrade stops naming its case, chain and seq, and the owner decides.
- cases.case_no, once given, can no longer change (a trigger on both databases).
- `at` must be an instant from 2000 to 2099 in both chained tables (PostgreSQL: a CHECK, NOT VALID
  so rows stored before stay as they are, for verification to report; SQLite: a trigger).
- recorded_at: when the row was written. On PostgreSQL a BEFORE INSERT trigger sets it from the
  server's clock, whatever the INSERT says (the application's role can neither drop nor disable
  it), so `audit verify --since` and the digest's "existed then" need not trust `at`; on SQLite a
  trigger refuses a row whose recorded_at is not within 5 minutes of the clock (whoever can write
  the file can drop it: SQLite has no roles). Rows stored before stay without one.

A later migration that copies cases, transitions or access_log (SQLite's batch mode) must make
these triggers again. Downgrade re-chains from 64 zeros (verifying under this rule first) and drops
the triggers, constraints and recorded_at.
"""

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from fengqiao.db.evidence import readable_columns, readable_values
from fengqiao.models.errors import FengqiaoError
from fengqiao.models.evidence import CONTENT, GENESIS, Before, Chain, broken_link, chained, start_hash

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = {"transitions": Chain.TIMELINE, "access_log": Chain.ACCESS}
REFUSALS = {"transitions": "transitions are append-only", "access_log": "access_log is append-only"}
SANE_AT = ("2000-01-01 00:00:00+00", "2100-01-01 00:00:00+00")
BATCH = 5000
NEVER = datetime(9000, 1, 1, tzinfo=UTC)  # the old rule had no clock to hold `at` against
Start = Callable[[Chain, int, str | None], str]


def _v1(chain: Chain, case_id: int, case_no: str | None) -> str:
    return GENESIS


def upgrade() -> None:
    _rechain(_v1, start_hash)
    pg = op.get_bind().dialect.name == "postgresql"
    low, high = SANE_AT
    if pg:
        op.execute(
            "CREATE FUNCTION fengqiao_recorded_at() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.recorded_at := clock_timestamp(); RETURN NEW; END $$"
        )
    for table in TABLES:
        op.add_column(table, sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
        if pg:
            op.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_at CHECK (at >= '{low}' AND at < '{high}') NOT VALID"
            )
            op.execute(
                f"CREATE TRIGGER {table}_recorded_at BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION fengqiao_recorded_at()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_at_sane BEFORE INSERT ON {table} WHEN typeof(NEW.at) != 'text' "
                "OR NEW.at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]*' "
                f"OR NEW.at < '{low[:10]}' OR NEW.at >= '{high[:10]}' "
                f"BEGIN SELECT RAISE(ABORT, '{table}.at must be an instant from 2000 to 2099'); END"
            )
            op.execute(  # SQLite's trigger cannot set a value: it refuses one that is not the time of writing
                f"CREATE TRIGGER {table}_recorded_now BEFORE INSERT ON {table} WHEN julianday(NEW.recorded_at) IS NULL "
                "OR abs(julianday(NEW.recorded_at) - julianday('now')) * 86400 > 300 "
                f"BEGIN SELECT RAISE(ABORT, '{table}.recorded_at must be the time of writing'); END"
            )
    if pg:
        op.execute(
            "CREATE FUNCTION fengqiao_case_no_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF OLD.case_no IS NOT NULL AND NEW.case_no IS DISTINCT FROM OLD.case_no THEN "
            "RAISE EXCEPTION 'cases.case_no is fixed once given (case %)', OLD.case_no; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER cases_case_no_fixed BEFORE UPDATE OF case_no ON cases "
            "FOR EACH ROW EXECUTE FUNCTION fengqiao_case_no_fixed()"
        )
    else:
        op.execute(
            "CREATE TRIGGER cases_case_no_fixed BEFORE UPDATE OF case_no ON cases "
            "WHEN OLD.case_no IS NOT NULL AND NEW.case_no IS NOT OLD.case_no "
            "BEGIN SELECT RAISE(ABORT, 'cases.case_no is fixed once given'); END"
        )


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.execute("DROP TRIGGER IF EXISTS cases_case_no_fixed ON cases")
        op.execute("DROP FUNCTION IF EXISTS fengqiao_case_no_fixed()")
    else:
        op.execute("DROP TRIGGER IF EXISTS cases_case_no_fixed")
    for table in TABLES:
        if pg:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_recorded_at ON {table}")
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS ck_{table}_at")
            op.execute(f"ALTER TABLE {table} DROP COLUMN recorded_at")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_at_sane")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_recorded_now")
            op.execute(f"ALTER TABLE {table} DROP COLUMN recorded_at")  # SQLite's own: a batch copy drops triggers
    if pg:
        op.execute("DROP FUNCTION IF EXISTS fengqiao_recorded_at()")
    _rechain(start_hash, _v1)


def _rechain(was: Start, becomes: Start) -> None:
    """Every chain verified from the start `was`, then, all sound, linked again from `becomes`."""
    for table, chain in TABLES.items():
        _each_link(table, chain, was, lambda row, prev: None)
    with _update_triggers_off():
        for table, chain in TABLES.items():
            relinked = _Relinked(table, chain, becomes)
            _each_link(table, chain, was, relinked)
            relinked.flush()


class _Relinked:
    """Each row linked again after the new hash of the row before it, written BATCH at a time."""

    def __init__(self, table: str, chain: Chain, becomes: Start) -> None:
        self.table, self.chain, self.becomes = table, chain, becomes
        self.updates: list[dict[str, Any]] = []

    def __call__(self, row: Mapping[str, Any], prev: str | None) -> str:
        start = self.becomes(self.chain, row["case_id"], row["case_no"])
        linked = chained(self.chain, row, prev if prev is not None else start)
        self.updates.append({"_id": row["id"], "_prev": linked["prev_hash"], "_hash": linked["row_hash"]})
        if len(self.updates) >= BATCH:
            self.flush()
        return str(linked["row_hash"])

    def flush(self) -> None:
        if self.updates:
            target = sa.table(self.table, sa.column("id"), sa.column("prev_hash"), sa.column("row_hash"))
            values: dict[str, Any] = {"prev_hash": sa.bindparam("_prev"), "row_hash": sa.bindparam("_hash")}
            update = sa.update(target).where(target.c.id == sa.bindparam("_id")).values(**values)
            op.get_bind().execute(update, self.updates)
            self.updates = []


def _each_link(table: str, chain: Chain, was: Start, visit: Callable[[Mapping[str, Any], str | None], Any]) -> None:
    """Each row in (case, seq) order, once it links from the start `was`; `visit` gets it and the
    new hash of the row before it (None for a chain's first), and answers its own new hash."""
    case_id: int | None = None
    before: Before | None = None
    new_prev: str | None = None
    for row in _rows(table, chain):
        if row["case_id"] != case_id:
            case_id, before, new_prev = row["case_id"], None, None
        start = was(chain, row["case_id"], row["case_no"])
        if wrong := broken_link(chain, row, before=before, start=start, now=NEVER):
            seq, what = wrong
            raise FengqiaoError(
                f"migration 0016: case {row['case_no'] or row['case_id']}, {table} seq {seq}: {what}. A chain "
                "already broken is not re-chained over; find every break with `fengqiao audit verify` of the "
                "release before, repair or remove the rows as the owner, then upgrade again"
            )
        before = Before(int(row["seq"]), row["row_hash"], None)
        new_prev = visit(row, new_prev)


def _rows(table: str, chain: Chain) -> Iterator[Mapping[str, Any]]:
    """The table's rows with their case's number, in pages of BATCH (a large table never held whole),
    read as verification reads them: no stored value fails the read."""
    names = ["id", "prev_hash", "row_hash", *CONTENT[chain]]
    source = sa.table(table, *(sa.column(n) for n in names))
    numbers = sa.table("cases", sa.column("id"), sa.column("case_no"))
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    unlinked = conn.execute(sa.select(source.c.case_id, source.c.id).where(source.c.seq.is_(None)).limit(1)).first()
    if unlinked is not None:
        yield {"case_id": unlinked.case_id, "case_no": None, "id": unlinked.id, "seq": None}
    after: tuple[Any, Any] | None = None
    while True:
        page = (
            sa.select(*readable_columns(source, conn.dialect.name), numbers.c.case_no)
            .join(numbers, numbers.c.id == source.c.case_id)
            .order_by(source.c.case_id, source.c.seq)
            .limit(BATCH)
        )
        if after is not None:
            page = page.where(sa.tuple_(source.c.case_id, source.c.seq) > sa.tuple_(*after))
        rows = [readable_values(r, sqlite) for r in conn.execute(page).mappings()]
        if not rows:
            return
        yield from rows
        after = (rows[-1]["case_id"], rows[-1]["seq"])


class _update_triggers_off:
    """The append-only UPDATE triggers, off for the statements of the block only."""

    def __enter__(self) -> None:
        for table in TABLES:
            if op.get_bind().dialect.name == "postgresql":
                op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
            else:
                op.execute(f"DROP TRIGGER {table}_no_update")

    def __exit__(self, *exc: object) -> None:
        for table in TABLES:
            if op.get_bind().dialect.name == "postgresql":
                op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
            else:
                op.execute(
                    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{REFUSALS[table]}'); END"
                )
