"""the mediator's paperwork: session records, the agreement's terms, documents

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 21:00:00

session_records holds each mediation session (调解笔录) as recorded: when, where, who attended,
who mediated, what was said and proposed; once per case and fingerprint (the digest of what it
says) and per Idempotency-Key. agreement_terms holds an agreement's terms as data (amount,
deadline and manner of performance), one per attempt. documents holds the case's papers, generated
PDFs and uploaded signed copies, each with its sha256 and the data it was made from; rows are never
changed (triggers refuse UPDATE and DELETE, as on access_log): a document made again is a new version.

All three are new tables: nothing existing is rewritten. Downgrade drops them (and the triggers),
losing the papers; the cases and their timelines stay (session rows stay in the timeline).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "session_records",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id", name="fk_session_records_case_id_cases"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("held_at", TS, nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("mediators", sa.JSON(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_session_records"),
        sa.UniqueConstraint("case_id", "number", name="uq_session_records_case_number"),
        sa.UniqueConstraint("case_id", "fingerprint", name="uq_session_records_case_fingerprint"),
        sa.UniqueConstraint("case_id", "idempotency_key", name="uq_session_records_case_key"),
    )
    op.create_table(
        "agreement_terms",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id", name="fk_agreement_terms_case_id_cases"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("oral", sa.Boolean(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2)),
        sa.Column("perform_by", sa.Date()),
        sa.Column("manner", sa.String(200), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_terms"),
        sa.UniqueConstraint("case_id", "attempt", name="uq_agreement_terms_case_attempt"),
    )
    op.create_table(
        "documents",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id", name="fk_documents_case_id_cases"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("media_type", sa.String(50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("case_id", "kind", "subject", "version", name="uq_documents_case_kind"),
    )
    op.create_index("ix_documents_case_id", "documents", ["case_id"])
    _forbid_changes_to_documents()


def _forbid_changes_to_documents() -> None:
    """A stored paper is evidence: no connection may rewrite or remove it, the application's included."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION fengqiao_documents_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'documents are immutable'; END $$"
        )
        op.execute(
            "CREATE TRIGGER documents_immutable BEFORE UPDATE OR DELETE ON documents "
            "FOR EACH ROW EXECUTE FUNCTION fengqiao_documents_immutable()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER documents_no_{event.lower()} BEFORE {event} ON documents "
                "BEGIN SELECT RAISE(ABORT, 'documents are immutable'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS documents_immutable ON documents")
        op.execute("DROP FUNCTION IF EXISTS fengqiao_documents_immutable()")
    op.drop_index("ix_documents_case_id", table_name="documents")
    op.drop_table("documents")
    op.drop_table("agreement_terms")
    op.drop_table("session_records")
