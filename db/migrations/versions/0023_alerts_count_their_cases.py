"""an alert counts its cases: growing one no longer rewrites the list of all of them

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 14:40:00

A registration in a community with an open alert appended its case to alerts.case_ids, a JSON list
PostgreSQL rewrites whole: about 3 ms with 3000 cases, while every other registration in the
community waited for that row. alert_cases already lists an alert's cases (migration 0009); the
alert now counts them (cases_listed, for its reason) and case_ids keeps the cases it was raised
with. Upgrade counts the rows; downgrade writes case_ids from alert_cases again and drops the count.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE, not a batch copy: SQLite refuses DROP TABLE alerts while alert_cases' rows refer to it
    op.add_column("alerts", sa.Column("cases_listed", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE alerts SET cases_listed = (SELECT count(*) FROM alert_cases WHERE alert_id = alerts.id)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        listed = "SELECT json_agg(case_id ORDER BY case_id) FROM alert_cases WHERE alert_id = alerts.id"
        op.execute(f"UPDATE alerts SET case_ids = coalesce(({listed}), '[]'::json)")
    else:
        listed = "SELECT case_id FROM alert_cases WHERE alert_id = alerts.id ORDER BY case_id"
        op.execute(f"UPDATE alerts SET case_ids = (SELECT json_group_array(case_id) FROM ({listed}))")
    op.execute("ALTER TABLE alerts DROP COLUMN cases_listed")  # SQLite 3.35+ too, as 0006's downgrade
