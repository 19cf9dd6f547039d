"""applications for judicial confirmation (申请司法确认)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 22:40:00

After a written agreement the parties may jointly apply to the basic people's court for judicial
confirmation within 30 days (People's Mediation Law Art. 33); the bureau's statistics count the
cases that did (申请司法确认). judicial_confirmations records that an application was made for an
agreement: the day, the court, who recorded it and when; one per case and attempt (the attempt
that reached the agreement), never rewritten.

A new table: nothing existing is rewritten. Downgrade drops it, losing the applications recorded;
the cases, their agreements and their papers stay.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "judicial_confirmations",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "case_id", ID, sa.ForeignKey("cases.id", name="fk_judicial_confirmations_case_id_cases"), nullable=False
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("court", sa.String(100), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_judicial_confirmations"),
        sa.UniqueConstraint("case_id", "attempt", name="uq_judicial_confirmations_case_attempt"),
    )


def downgrade() -> None:
    op.drop_table("judicial_confirmations")
