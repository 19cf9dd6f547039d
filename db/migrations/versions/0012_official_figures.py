"""official figures: the agreement's kind on the case, counters for written and oral agreements and people

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:00:00

The justice bureau counts 调解 as every case in which a mediation attempt began, 调解成功 as
written plus oral agreements, and reports the people involved and the cases handed to the legal
track by target (models/official.py). The case keeps the kind of agreement that resolved it
(read here off each resolved case's last resolution, whose reason is the outcome), the counters
gain written, oral and parties, and every case is counted again by the same rebuild the
application keeps up (db/tallies.py), which now also counts by handoff target and people involved.

Downgrade drops the column and the counters; the `mediated` counter keeps the new definition (an
attempt began) until the older code counts again.
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COUNTERS = ("written", "oral", "parties")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement", sa.String(length=10), nullable=True))
    with op.batch_alter_table("case_tallies", schema=None) as batch_op:
        for name in COUNTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE cases SET agreement = (SELECT CASE WHEN t.reason = 'oral_agreement' THEN 'oral' ELSE 'written' END "
        "FROM transitions t WHERE t.case_id = cases.id AND t.stage = 'resolution' ORDER BY t.seq DESC LIMIT 1)"
    )
    _rebuild()


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+) rather than a batch copy: other tables refer to cases,
    # and SQLite refuses to drop a referred table while foreign keys are enforced
    for name in reversed(COUNTERS):
        op.execute(f"ALTER TABLE case_tallies DROP COLUMN {name}")
    op.execute("ALTER TABLE cases DROP COLUMN agreement")
    op.execute("DELETE FROM case_tallies WHERE dimension IN ('handoff', 'people')")


def _rebuild() -> None:
    from fengqiao.db.tallies import rebuild  # the same counting the application keeps up afterwards

    rebuild(op.get_bind())
