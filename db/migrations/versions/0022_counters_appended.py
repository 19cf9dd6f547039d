"""the counters' changes are appended rows, folded later: concurrent registrations no longer queue

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 14:00:00

Every change of a case added to the counters of its month, street and organisation with an upsert
of case_tallies' rows, which held those rows locked until its commit: every registration in one
street waited for the one before it (36 registrations a second with 8 connections). A change now
appends its counters to case_tally_deltas; the counters are case_tallies plus those rows, and the
sweep folds them into case_tallies (db.tallies.fold). Downgrade folds them and drops the table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

KEYS = ("month", "area", "org_code", "dimension", "value")
COUNTERS = ("cases", "closed", "close_days", "resolved", "mediated", "lowest", "written", "oral", "parties")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "case_tally_deltas",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("area", sa.String(9), nullable=False),
        sa.Column("org_code", sa.String(64), nullable=False),
        sa.Column("dimension", sa.String(12), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        *(sa.Column(c, sa.Integer, nullable=False) for c in COUNTERS),
        sa.PrimaryKeyConstraint("id", name="pk_case_tally_deltas"),
    )


def downgrade() -> None:
    keys = ", ".join(KEYS)
    added = ", ".join(f"{c} = case_tallies.{c} + excluded.{c}" for c in COUNTERS)
    op.execute(
        f"INSERT INTO case_tallies ({keys}, {', '.join(COUNTERS)}) "
        f"SELECT {keys}, {', '.join(f'sum({c})' for c in COUNTERS)} FROM case_tally_deltas WHERE true "
        f"GROUP BY {keys} ON CONFLICT ({keys}) DO UPDATE SET {added}"
    )
    op.drop_table("case_tally_deltas")
