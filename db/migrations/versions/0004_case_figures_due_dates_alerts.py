"""case figures (tallies), due dates, closing dates, alerts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:35:00

The statistics read a small table of counters kept in the transaction of each change of a case
(db/tallies.py), so they answer in milliseconds on a million cases. Existing cases are counted
here, once, by the same rebuild `fengqiao stats rebuild` runs.
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=False, server_default='open'))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_cases_due_on', ['due_on'], unique=False)
    op.create_table('case_tallies',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('area', sa.String(length=9), nullable=False),
    sa.Column('org_code', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.String(length=12), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('close_days', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('mediated', sa.Integer(), nullable=False),
    sa.Column('lowest', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'area', 'org_code', 'dimension', 'value', name=op.f('pk_case_tallies'))
    )
    op.create_table('alerts',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('area_code', sa.String(length=20), nullable=False),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    op.create_index('ix_alerts_open_subject', 'alerts', ['kind', 'subject'], unique=True,
                    sqlite_where=sa.text('acknowledged_at IS NULL'),
                    postgresql_where=sa.text('acknowledged_at IS NULL'))
    _backfill_outcomes()
    from fengqiao.db.tallies import rebuild  # the same counting the application keeps up afterwards

    rebuild(op.get_bind())


def _backfill_outcomes() -> None:
    """Cases stored before this revision: their outcome and closing instant, read off their timelines."""
    op.execute("UPDATE cases SET outcome = status WHERE status IN ('resolved', 'handed_off', 'withdrawn')")
    op.execute(
        "UPDATE cases SET outcome = COALESCE((SELECT t.to_status FROM transitions t WHERE t.case_id = cases.id "
        "AND t.to_status IN ('resolved', 'handed_off', 'withdrawn') ORDER BY t.seq DESC LIMIT 1), 'open'), "
        "closed_at = (SELECT max(t.at) FROM transitions t WHERE t.case_id = cases.id AND t.to_status = 'closed') "
        "WHERE status = 'closed'"
    )


def downgrade() -> None:
    op.drop_index('ix_alerts_open_subject', table_name='alerts')
    op.drop_table('alerts')
    op.drop_table('case_tallies')
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+) rather than a batch copy: other tables refer to cases,
    # and SQLite refuses DROP TABLE cases while foreign keys are enforced and a row refers to it
    op.drop_index('ix_cases_due_on', table_name='cases')
    for column in ('closed_at', 'outcome', 'due_on'):
        op.execute(f'ALTER TABLE cases DROP COLUMN {column}')
