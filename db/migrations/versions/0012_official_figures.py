"""official figures: the agreement's kind on the case, counters for written and oral agreements and people;
screening sessions; case-subsidy tariffs

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:00:00

The justice bureau counts 调解 as every case in which a mediation attempt began, 调解成功 as
written plus oral agreements, and reports the people involved and the cases handed to the legal
track by target (models/official.py). The case keeps the kind of agreement that resolved it
(read here off each resolved case's last resolution, whose reason is the outcome), the counters
gain written, oral and parties, and every case is counted again by the same rebuild the
application keeps up (db/tallies.py), which now also counts by handoff target and people involved.

Screening sessions (矛盾纠纷排查, models/screening.py) are reported too: `screenings` holds each
sweep (when, where, who, disputes found and prevented), `screening_cases` the cases registered
from it, each case from one sweep at most.

Case-subsidy tariffs (以案定补, models/subsidies.py) are stored in `subsidy_tariffs`, each in force
from its month until the next; the statements are computed from the timeline, each case credited
to the mediator holding it at its first conclusion (`cases.concluded_by`, here the current one).

Downgrade drops the tables, the column and the counters; the `mediated` counter keeps the new definition (an
attempt began) until the older code counts again.
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COUNTERS = ("written", "oral", "parties")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("concluded_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("case_tallies", schema=None) as batch_op:
        for name in COUNTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE cases SET agreement = (SELECT CASE WHEN t.reason = 'oral_agreement' THEN 'oral' ELSE 'written' END "
        "FROM transitions t WHERE t.case_id = cases.id AND t.stage = 'resolution' ORDER BY t.seq DESC LIMIT 1)"
    )
    op.execute(  # stored before this revision: the mediator holding a concluded case now is the best known
        "UPDATE cases SET concluded_by = mediator_code WHERE EXISTS (SELECT 1 FROM transitions t "
        "WHERE t.case_id = cases.id AND (t.stage = 'resolution' OR (t.stage = 'handoff' "
        "AND t.from_status IN ('mediating', 'escalated'))))"
    )
    _rebuild()
    op.create_table(
        "screenings",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=64), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("screened_by", sa.String(length=200), nullable=False),
        sa.Column("disputes_found", sa.Integer(), nullable=False),
        sa.Column("disputes_prevented", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    op.create_index("ix_screenings_held_on", "screenings", ["held_on"])
    op.create_index("ix_screenings_area_code", "screenings", ["area_code"])
    op.create_table(
        "screening_cases",
        sa.Column("screening_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name=op.f("fk_screening_cases_screening_id_screenings")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_screening_cases_case_id_cases")),
        sa.PrimaryKeyConstraint("screening_id", "case_id", name=op.f("pk_screening_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_screening_cases_case_id")),
    )

    op.create_table(
        "subsidy_tariffs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("effective_from", sa.String(length=7), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_tariffs")),
    )


def downgrade() -> None:
    op.drop_table("subsidy_tariffs")
    op.drop_table("screening_cases")
    op.drop_index("ix_screenings_area_code", table_name="screenings")
    op.drop_index("ix_screenings_held_on", table_name="screenings")
    op.drop_table("screenings")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+) rather than a batch copy: other tables refer to cases,
    # and SQLite refuses to drop a referred table while foreign keys are enforced
    for name in reversed(COUNTERS):
        op.execute(f"ALTER TABLE case_tallies DROP COLUMN {name}")
    op.execute("ALTER TABLE cases DROP COLUMN concluded_by")
    op.execute("ALTER TABLE cases DROP COLUMN agreement")
    op.execute("DELETE FROM case_tallies WHERE dimension IN ('handoff', 'people')")


def _rebuild() -> None:
    from fengqiao.db.tallies import rebuild  # the same counting the application keeps up afterwards

    rebuild(op.get_bind())
