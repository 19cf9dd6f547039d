"""server-side dashboard sessions; the key that sent each intake record

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 08:00:00

dashboard_sessions: a session id is 256 random bits, kept only as its SHA-256; it ends at its
expiry, at sign-out, or when its key is revoked (every page reads the key row too).

intake_records.key_id: the API key that sent the record, so that an integrator answers only for
the cases it sent (handoff-result). Backfill: an API intake sent with an Idempotency-Key stored
that header as "<key id>:<header>", so those rows get that key id (if the key exists); every
other row (command-line imports, API intakes without the header) stays NULL: no integrator sent
it as far as the database can tell, so only a coordinator answers for it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("key_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name=op.f("fk_dashboard_sessions_key_id_api_keys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_sessions")),
        sa.UniqueConstraint("sha256", name=op.f("uq_dashboard_sessions_sha256")),
    )
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dashboard_sessions_key_id"), ["key_id"], unique=False)
    with op.batch_alter_table("intake_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", ID, nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_intake_records_key_id_api_keys"), "api_keys", ["key_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_intake_records_key_id"), ["key_id"], unique=False)
    _backfill_senders()


def _backfill_senders() -> None:
    conn = op.get_bind()
    records = sa.table("intake_records", sa.column("id"), sa.column("idempotency_key"), sa.column("key_id"))
    keys = {k for (k,) in conn.execute(sa.text("SELECT id FROM api_keys"))}
    rows = conn.execute(
        sa.select(records.c.id, records.c.idempotency_key).where(records.c.idempotency_key.is_not(None))
    )
    for record_id, stored in rows.all():
        prefix = stored.split(":", 1)[0]
        if ":" in stored and prefix.isascii() and prefix.isdigit() and int(prefix) in keys:
            conn.execute(sa.update(records).where(records.c.id == record_id).values(key_id=int(prefix)))


def downgrade() -> None:
    with op.batch_alter_table("intake_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_records_key_id"))
        batch_op.drop_constraint(batch_op.f("fk_intake_records_key_id_api_keys"), type_="foreignkey")
        batch_op.drop_column("key_id")
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dashboard_sessions_key_id"))
    op.drop_table("dashboard_sessions")
