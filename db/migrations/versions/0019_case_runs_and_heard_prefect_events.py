"""each case's flow runs in order, why each was replaced; the Prefect automation firings heard

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-03 10:00:00

case_flow_runs: every flow run recorded for a case, in order (cases.flow_run_id keeps only the
one driving it now). A run that ended without finishing the case (Failed, Cancelled, a wait that
expired) is handed on to a new run: its row says by which run, when, and the state Prefect had
put it in, with the state's message — the case page and GET /cases/{id} show both runs and why.
A case with a run before this revision gets one row for it, dated from the case's registration
(the time it was recorded was not kept).

prefect_events_heard: each Prefect automation firing (a `prefect.automation.triggered` event)
that a worker's sweep has read, by event id, with the alert it raised (if any). The newest one
heard per work pool is where the next sweep reads from, so a restart neither repeats a firing nor
skips one; the event id makes hearing one twice a no-op.

New tables only. Downgrade drops them: the run history and the firings heard are lost (the next
sweep reads the last day of firings again; alerts already raised are not raised twice).
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_flow_runs",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id", name="fk_case_flow_runs_case_id_cases"), nullable=False),
        sa.Column("flow_run_id", sa.String(36), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("replaced_by", sa.String(36)),
        sa.Column("replaced_at", TS),
        sa.Column("ended_as", sa.String(40)),
        sa.Column("ended_message", sa.String(500)),
        sa.PrimaryKeyConstraint("id", name="pk_case_flow_runs"),
        sa.UniqueConstraint("case_id", "flow_run_id", name="uq_case_flow_runs_case_run"),
    )
    op.execute(
        "INSERT INTO case_flow_runs (case_id, flow_run_id, recorded_at) "
        "SELECT id, flow_run_id, created_at FROM cases WHERE flow_run_id IS NOT NULL ORDER BY id"
    )
    op.create_table(
        "prefect_events_heard",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("pool", sa.String(100), nullable=False),
        sa.Column("occurred", TS, nullable=False),
        sa.Column("alert_id", ID, sa.ForeignKey("alerts.id", name="fk_prefect_events_heard_alert_id_alerts")),
        sa.Column("heard_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_prefect_events_heard"),
    )
    op.create_index("ix_prefect_events_heard_pool_occurred", "prefect_events_heard", ["pool", "occurred"])


def downgrade() -> None:
    op.drop_index("ix_prefect_events_heard_pool_occurred", "prefect_events_heard")
    op.drop_table("prefect_events_heard")
    op.drop_table("case_flow_runs")
