"""webhook targets per key

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:00:00

A target belonged to its channel: a second integrator's registration replaced the first one's,
and every result of the channel went to it. Now a target belongs to the key that registered it
(one per key and channel); existing targets stay with the key that registered them.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_targets', schema=None) as batch_op:
        batch_op.drop_constraint('uq_webhook_targets_channel', type_='unique')
        batch_op.create_unique_constraint('uq_webhook_targets_key_channel', ['key_id', 'channel'])


def downgrade() -> None:
    # One target per channel again: the newest registration of each channel is kept.
    op.execute(
        sa.text("DELETE FROM webhook_targets WHERE id NOT IN (SELECT max(id) FROM webhook_targets GROUP BY channel)")
    )
    with op.batch_alter_table('webhook_targets', schema=None) as batch_op:
        batch_op.drop_constraint('uq_webhook_targets_key_channel', type_='unique')
        batch_op.create_unique_constraint('uq_webhook_targets_channel', ['channel'])
