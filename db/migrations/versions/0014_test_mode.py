"""test keys and test cases

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 21:00:00

An integrator trying its connection against a live system must not create real work: a key made
with `fengqiao keys create … --test` (api_keys.test) registers test cases (cases.test). A test
case runs its course like any other, but is left out of the statistics, the alerts and the
results back (结果同悉), and is never matched as a duplicate of a real case (nor a real one of it).
Existing keys and cases are real (false).

Downgrade drops both columns; test cases then look like real ones.

No table is copied: on SQLite, alembic's batch mode copies a table to add a column whose default
is an SQL expression (false()) or to drop one, and a copy of `cases`, which other tables refer to,
ends in DROP TABLE cases, refused while foreign keys are enforced ("FOREIGN KEY constraint failed";
PRAGMA foreign_keys cannot be turned off inside the migration's transaction). A plain ALTER TABLE
… ADD COLUMN takes the constant default on both databases; downgrade uses ALTER TABLE … DROP
COLUMN (SQLite 3.35+), as 0011 and 0012 do.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("api_keys", "cases"):
        op.add_column(table, sa.Column("test", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for table in ("cases", "api_keys"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN test")
