"""poison cases parked after N failed steps

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:00:00

cases.step_failures counts the case's flow runs that failed in a row (reset by a step that
succeeds); cases.last_step_error keeps the last one's exception type and domain message; at
FENGQIAO_MAX_STEP_FAILURES the case is parked (cases.parked_at) and no run is started for it.
case_parkings is the audit of each parking and of the retry that ended it (who, when, why).
Existing cases start with no failures and unparked.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_step_error", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "case_parkings",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("flow_run_id", sa.String(length=36), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_parkings_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_parkings")),
    )
    with op.batch_alter_table("case_parkings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_parkings_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_parkings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_parkings_case_id"))
    op.drop_table("case_parkings")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+) rather than a batch copy: other tables refer to cases,
    # and SQLite refuses DROP TABLE cases while foreign keys are enforced and a row refers to it
    for column in ("parked_at", "last_step_error", "step_failures"):
        op.execute(f"ALTER TABLE cases DROP COLUMN {column}")
