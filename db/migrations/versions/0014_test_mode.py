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
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("test", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("test", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("test")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("test")
