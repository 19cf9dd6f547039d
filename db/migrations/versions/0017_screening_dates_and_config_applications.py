"""the ledger's screening date on each link; every application of a configuration; refusals counted apart

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 03:00:00

screening_cases.screened_on: the 排查日期 the screening ledger (排查台账) gives for the row a case
was registered from, so the day a dispute was found survives the import (a case linked by hand,
or one stored before this revision without a ledger date in its intake record, gets the
session's day). 登记为案件 now counts a linked case in the month it was registered, as 受理 does.

config_applications: one row each time a configuration version is applied, so the version in
force in a past month is known even after an earlier document is applied again (which moves its
config_versions.applied_at): a month's 统计口径 (the success-rate base, group_dispute_people) and its
roster stay as they were. Filled from each version's first application (created_at) and its last
(applied_at) where they differ; applications in between were not kept before.

The counters are counted again (db.tallies.rebuild): a party's refusal is now its own outcome
(`refused`), not 导入法治轨道, and not 调解 when no attempt had begun before it.

Downgrade drops the table and the column (the ledger dates and the application history are lost)
and leaves the counters as counted here.
"""

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("screening_cases", sa.Column("screened_on", sa.Date()))
    op.create_table(
        "config_applications",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            ID,
            sa.ForeignKey("config_versions.id", name="fk_config_applications_version_id_config_versions"),
            nullable=False,
        ),
        sa.Column("applied_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_config_applications"),
    )
    op.create_index("ix_config_applications_applied_at", "config_applications", ["applied_at"])
    conn = op.get_bind()
    _fill_screened_on(conn)
    versions = conn.execute(sa.text("SELECT id, created_at, applied_at FROM config_versions ORDER BY id")).all()
    rows = [{"v": v.id, "at": v.created_at} for v in versions]
    rows += [{"v": v.id, "at": v.applied_at} for v in versions if v.applied_at and v.applied_at != v.created_at]
    if rows:
        conn.execute(sa.text("INSERT INTO config_applications (version_id, applied_at) VALUES (:v, :at)"), rows)
    from fengqiao.db.tallies import rebuild  # the same counting the application keeps up afterwards

    rebuild(conn)


def _fill_screened_on(conn: sa.Connection) -> None:
    """Each link's ledger date from its case's intake record, else the session's day."""
    links = conn.execute(
        sa.text(
            "SELECT l.case_id, s.held_on, r.payload FROM screening_cases l "
            "JOIN screenings s ON s.id = l.screening_id LEFT JOIN intake_records r ON r.case_id = l.case_id"
        )
    ).all()
    for link in links:
        payload = link.payload if isinstance(link.payload, dict) else json.loads(link.payload or "{}")
        day = payload.get("screened_on") or link.held_on
        day = date.fromisoformat(str(day)[:10])
        conn.execute(
            sa.text("UPDATE screening_cases SET screened_on = :day WHERE case_id = :case"),
            {"day": day, "case": link.case_id},
        )


def downgrade() -> None:
    op.drop_index("ix_config_applications_applied_at", table_name="config_applications")
    op.drop_table("config_applications")
    op.execute("ALTER TABLE screening_cases DROP COLUMN screened_on")
