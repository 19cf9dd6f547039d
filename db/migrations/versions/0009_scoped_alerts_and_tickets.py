"""jurisdiction-scoped alerts: the cases of each alert, respondent clusters per district

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 08:00:00

alert_cases: one row per (alert, case), the same cases as alerts.case_ids, so that a key sees an
alert by the cases it may see (the case list's own jurisdiction filter), in SQL, with a limit.
Backfilled from alerts.case_ids.

A respondent cluster is counted per district (the area code's first 6 digits): its alert's
area_code is the district, and the one open alert per subject becomes one per (kind, subject,
area_code). Open respondent alerts get the district of the area they were raised for.

Downgrade: where one subject has open alerts in several districts, all but its latest are
marked acknowledged by "migration 0009 downgrade" (the older index allows one open per subject).
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = "acknowledged_at IS NULL"
DISTRICT_DIGITS = 6  # models.alerts.DISTRICT_DIGITS, as of this revision


def upgrade() -> None:
    op.create_table(
        "alert_cases",
        sa.Column("alert_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name=op.f("fk_alert_cases_alert_id_alerts")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_alert_cases_case_id_cases")),
        sa.PrimaryKeyConstraint("alert_id", "case_id", name=op.f("pk_alert_cases")),
    )
    with op.batch_alter_table("alert_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_cases_case_id"), ["case_id"], unique=False)
    _backfill_alert_cases()
    op.execute(
        f"UPDATE alerts SET area_code = substr(area_code, 1, {DISTRICT_DIGITS}) "
        f"WHERE kind = 'respondent' AND length(area_code) > {DISTRICT_DIGITS}"
    )
    op.drop_index("ix_alerts_open_subject", table_name="alerts")
    op.create_index(
        "ix_alerts_open_subject",
        "alerts",
        ["kind", "subject", "area_code"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def _backfill_alert_cases() -> None:
    conn = op.get_bind()
    existing = {case_id for (case_id,) in conn.execute(sa.text("SELECT id FROM cases"))}
    rows = []
    for alert_id, stored in conn.execute(sa.text("SELECT id, case_ids FROM alerts")).all():
        case_ids = json.loads(stored) if isinstance(stored, str) else stored
        rows += [{"alert_id": alert_id, "case_id": c} for c in sorted(set(case_ids or [])) if c in existing]
    if rows:
        table = sa.table("alert_cases", sa.column("alert_id"), sa.column("case_id"))
        conn.execute(sa.insert(table), rows)


def downgrade() -> None:
    op.execute(
        "UPDATE alerts SET acknowledged_at = updated_at, acknowledged_by = 'migration 0009 downgrade' "
        f"WHERE {OPEN} AND EXISTS (SELECT 1 FROM alerts AS later WHERE later.kind = alerts.kind "
        "AND later.subject = alerts.subject AND later.acknowledged_at IS NULL "
        "AND (later.updated_at > alerts.updated_at OR (later.updated_at = alerts.updated_at AND later.id > alerts.id)))"
    )
    op.drop_index("ix_alerts_open_subject", table_name="alerts")
    op.create_index(
        "ix_alerts_open_subject",
        "alerts",
        ["kind", "subject"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    with op.batch_alter_table("alert_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_cases_case_id"))
    op.drop_table("alert_cases")
