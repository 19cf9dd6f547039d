"""counters counted again: 涉及当事人人数 at least the parties recorded; a refused attempt with a session began

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 11:00:00

涉及当事人人数 (`parties_involved`, and the people a 群体性纠纷 is judged by) counts each case as the
larger of its `people_involved` and the parties recorded on it, so a walk-in case naming two parties
under the default 1 counts 2 (models.figures.people_counted). 调解 (`mediated`) counts a case a party
refused at its attempt when a session of that attempt was recorded (调解笔录): the parties sat, so the
attempt began; a refusal with no session recorded stays out (models.figures.attempts_made).

No table changes: every case is counted again by the rebuild the application keeps up (db.tallies).
Downgrade leaves the counters as counted here until the older code counts again.
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from fengqiao.db.tallies import rebuild  # the same counting the application keeps up afterwards

    rebuild(op.get_bind())


def downgrade() -> None:
    pass
