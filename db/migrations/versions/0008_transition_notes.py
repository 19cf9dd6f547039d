"""free text out of transitions.reason

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
