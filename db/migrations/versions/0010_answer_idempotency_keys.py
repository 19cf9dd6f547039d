"""an answer's Idempotency-Key, stored with it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:00:00

human_inputs.idempotency_key holds "{key_id}:{key}" for an answer sent with an Idempotency-Key
(the API key's id, so two integrators' keys never collide; "cli:" for the command line), unique
per case: the same key again gets the answer it first recorded, never a second one. Answers
stored before keep NULL (any number of them per case).

SQLite adds the unique constraint by a batch table copy (human_inputs has no triggers). Downgrade
drops the column and its constraint; the answers stay.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_inputs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint("uq_human_inputs_case_key", ["case_id", "idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("human_inputs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_human_inputs_case_key", type_="unique")
        batch_op.drop_column("idempotency_key")
