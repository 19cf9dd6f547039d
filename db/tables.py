"""The tables. transitions is append-only: (case_id, seq) unique, seq = the case version it made."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that comes back aware (UTC) from SQLite too, which stores it without its zone.

    Everything is stored as UTC; without this, SQLite hands back naive values that a later
    .astimezone() would read as the server's local time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Stored as UTC: SQLite would keep an aware value's wall-clock time and drop its zone."""
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


TS = UtcDateTime()

config_versions = Table(
    "config_versions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", TS, nullable=False),
    Column("source", String(500), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("document", JSON, nullable=False),
    Column("applied_at", TS),  # the last time it was applied: applying an earlier document again reverts to it
)

# Every application of a version, in order (migration 0017): which was in force in a past month,
# whose definitions (统计口径) and roster that month's figures keep, even after a later revert.
config_applications = Table(
    "config_applications",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("version_id", ID, ForeignKey("config_versions.id"), nullable=False),
    Column("applied_at", TS, nullable=False, index=True),
)

organisations = Table(
    "organisations",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", String(20), nullable=False),
    Column("parent_code", String(64), ForeignKey("organisations.code")),
    Column("area_code", String(20), index=True),
    Column("dispute_types", JSON, nullable=False, default=list),
    Column("fields", JSON, nullable=False, default=list),
)

mediators = Table(
    "mediators",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("org_code", String(64), ForeignKey("organisations.code"), nullable=False, index=True),
    Column("specialties", JSON, nullable=False, default=list),
    Column("grade", String(20), nullable=False),
    Column("full_time", Boolean, nullable=False, default=True),
)

experts = Table(
    "experts",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("pool_code", String(64), ForeignKey("organisations.code"), nullable=False),
    Column("field", String(50), nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_no", String(32), unique=True),
    Column("channel", String(20), nullable=False),
    Column("channel_ref", String(100)),
    Column("status", String(20), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("area_code", String(20), nullable=False, index=True),
    Column("summary", Text, nullable=False, default=""),
    Column("declared_type", String(40)),
    Column("dispute_type", String(40), index=True),
    Column("people_involved", Integer, nullable=False, default=1),
    Column("amount", Numeric(14, 2)),
    Column("risk", String(20), nullable=False),
    Column("path_step", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("org_code", String(64), ForeignKey("organisations.code")),
    Column("mediator_code", String(64), ForeignKey("mediators.code")),
    Column("expert_code", String(64), ForeignKey("experts.code")),
    Column("opinion_step", Integer),
    Column("handoff_target", String(40)),
    Column("config_version", ID, ForeignKey("config_versions.id"), nullable=False),
    Column("flow_run_id", String(36)),
    Column("flow_run_open", Boolean, nullable=False, default=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("duplicate_of", ID, ForeignKey("cases.id"), index=True),
    Column("duplicate_reason", String(300)),
    Column("duplicate_state", String(20)),  # suspected | confirmed | split
    Column("due_on", Date, index=True),  # the current mediation attempt's deadline (China-time day)
    Column("outcome", String(20), nullable=False, server_default="open"),  # models.figures.CaseOutcome
    Column("agreement", String(10)),  # written | oral: the agreement that resolved it (migration 0012)
    Column("concluded_by", String(64)),  # the mediator holding it at its first conclusion (以案定补, migration 0012)
    Column("closed_at", TS),
    # a poison case (models.parking): flow runs failed in a row, the last one's error, and when it
    # was parked at the limit (no run is started for it until a person retries it; migration 0006)
    Column("step_failures", Integer, nullable=False, server_default="0"),
    Column("last_step_error", String(300)),
    Column("parked_at", TS),
    # registered by a test key (migration 0014): runs its course, left out of figures, alerts and results back
    Column("test", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("channel", "channel_ref", name="uq_cases_channel_ref"),
    Index("ix_cases_open_by_area", "status", "area_code"),
)

# The channel's record as it arrived, for the audit trail; one per case. The idempotency key is
# the caller's (API header); the payload hash tells a replay from a different record under one key.
intake_records = Table(
    "intake_records",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("channel", String(20), nullable=False),
    Column("idempotency_key", String(200)),
    Column("payload_sha256", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("reply_due", TS),
    Column("received_at", TS, nullable=False),
    Column("key_id", ID, ForeignKey("api_keys.id"), index=True),  # the API key that sent it (migration 0007)
    UniqueConstraint("channel", "idempotency_key", name="uq_intake_records_channel_key"),
)

# Outbox: the result owed to the channel a case came from (结果同悉), written in the transaction
# that closes the case, then delivered (and re-delivered) until the channel acknowledges it.
result_notices = Table(
    "result_notices",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("channel", String(20), nullable=False),
    Column("idempotency_key", String(100), nullable=False, unique=True),
    Column("body", JSON, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | delivered
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("last_error", Text),
    Column("created_at", TS, nullable=False),
    Column("delivered_at", TS),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("notice_id", ID, ForeignKey("result_notices.id"), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("target", String(500), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
)

parties = Table(
    "parties",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("role", String(20), nullable=False),  # applicant | respondent
    Column("name", String(200), nullable=False),
    Column("id_number", String(30)),
    Column("phone", String(30), index=True),
    Column("match_key", String(200), index=True),  # the name as duplicate detection compares it
    Index("ix_parties_id_number", "id_number"),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", TS, nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("reason", Text, nullable=False),  # a sentence the system makes
    Column("note", Text),  # what a person wrote (migration 0008): may hold personal data, masked when shown
    Column("org_code", String(64)),
    Column("rule", String(200)),
    Column("flow_run_id", String(36)),
    # the case's hash chain (models.evidence, migration 0011): the row before it, and this row's own
    Column("prev_hash", String(64)),
    Column("row_hash", String(64)),
    # when the row was written: the server's clock by trigger on PostgreSQL (migration 0016), not part of the hash
    Column("recorded_at", TS),
    UniqueConstraint("case_id", "seq", name="uq_transitions_case_seq"),
    Index("ix_transitions_at", "at"),
)

human_inputs = Table(
    "human_inputs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("round", Integer, nullable=False),
    Column("value", String(200), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("actor", String(100), nullable=False),
    Column("received_at", TS, nullable=False),
    Column("idempotency_key", String(200)),  # "{key_id}:{key}" (API) or "cli:{key}": the same key, the same answer
    UniqueConstraint("case_id", "kind", "round", name="uq_human_inputs_case_kind_round"),
    UniqueConstraint("case_id", "idempotency_key", name="uq_human_inputs_case_key"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("areas", JSON, nullable=False, default=list),  # area-code prefixes of its jurisdiction
    Column("orgs", JSON, nullable=False, default=list),  # organisations of its jurisdiction
    Column("prefix", String(16), nullable=False, unique=True),  # finds the row; the secret is only hashed
    Column("sha256", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS),
    Column("test", Boolean, nullable=False, server_default=false()),  # its cases are test cases (migration 0014)
)

access_log = Table(  # append-only, like transitions: triggers refuse UPDATE, DELETE and TRUNCATE
    "access_log",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False),
    Column("key_id", ID, ForeignKey("api_keys.id"), nullable=False),
    Column("key_name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("action", String(20), nullable=False),  # read_masked | unmask
    Column("fields", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    # its place in the case's access chain (1, 2, … per case) and the hash chain (models.evidence, migration 0011)
    Column("seq", Integer),
    Column("prev_hash", String(64)),
    Column("row_hash", String(64)),
    Column("recorded_at", TS),  # as transitions.recorded_at
    Index("ix_access_log_case_seq", "case_id", "seq", unique=True),
)

# A signed-in dashboard: the session id (256 random bits) is kept only as its SHA-256; the session
# ends at expires_at, at sign-out (ended_at), or when its key is revoked.
dashboard_sessions = Table(
    "dashboard_sessions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("key_id", ID, ForeignKey("api_keys.id"), nullable=False, index=True),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("ended_at", TS),
)

# Where a key takes results back (结果同悉): one target per key and channel, owned by that key; a
# case's result goes to a target whose key's jurisdiction covers the case (models.result_targets).
webhook_targets = Table(
    "webhook_targets",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("key_id", ID, ForeignKey("api_keys.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("url", String(500), nullable=False),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("key_id", "channel", name="uq_webhook_targets_key_channel"),
)


def _counted_under() -> list[Column[str]]:
    """What a counter is kept under: registration month, street, organisation, dimension and value."""
    lengths = {"month": 7, "area": 9, "org_code": 64, "dimension": 12, "value": 40}
    return [Column(name, String(n), nullable=False) for name, n in lengths.items()]


# The statistics' counters (models.figures): one row per registration month, street, organisation
# and dimension value, kept in the transaction of every change of a case.
case_tallies = Table(
    "case_tallies",
    metadata,
    *_counted_under(),
    *(Column(c, Integer, nullable=False) for c in ("cases", "closed", "close_days", "resolved", "mediated", "lowest")),
    # the official figures (migration 0012): agreements by kind, people involved
    *(Column(c, Integer, nullable=False, server_default="0") for c in ("written", "oral", "parties")),
    PrimaryKeyConstraint("month", "area", "org_code", "dimension", "value"),
)

# What each change adds to the counters, appended rather than added to case_tallies' row (migration
# 0022): every registration in a street adds to the same rows, and an upsert held them locked to its
# commit, so concurrent registrations queued on them. The counters are case_tallies plus these rows;
# the sweep folds them into case_tallies (db.tallies.fold).
case_tally_deltas = Table(
    "case_tally_deltas",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    *_counted_under(),
    *(
        Column(c, Integer, nullable=False)
        for c in ("cases", "closed", "close_days", "resolved", "mediated", "lowest", "written", "oral", "parties")
    ),
)

# Emergency cases and clusters of reports, raised for a person to acknowledge. At most one
# unacknowledged alert per (kind, subject): a growing cluster updates it rather than raising more.
alerts = Table(
    "alerts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # emergency | respondent | area
    Column("subject", String(200), nullable=False),  # a case number, a respondent's match key, an area code
    Column("area_code", String(20), nullable=False),
    Column("case_ids", JSON, nullable=False),  # the cases it was raised with (alert_cases lists them all)
    Column("cases_listed", Integer, nullable=False, server_default="0"),  # alert_cases' rows (migration 0023)
    Column("reason", Text, nullable=False),
    Column("raised_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("acknowledged_at", TS),
    Column("acknowledged_by", String(100)),
    Column("note", Text),
)


def declare_partial_indexes() -> None:
    """One open alert per subject and area: a respondent cluster per district (migration 0009).

    Declared for alembic only (db/migrations/env.py), not with the table: its where= for PostgreSQL
    loads SQLAlchemy's PostgreSQL dialect, about 0.02 s of every command on SQLite too, and no query
    reads an index's declaration (db/alerts.py's upsert names the index's columns in its own text).
    """
    if not any(index.name == "ix_alerts_open_subject" for index in alerts.indexes):
        Index(
            "ix_alerts_open_subject",
            alerts.c.kind,
            alerts.c.subject,
            alerts.c.area_code,
            unique=True,
            sqlite_where=text("acknowledged_at IS NULL"),
            postgresql_where=text("acknowledged_at IS NULL"),
        )


# The cases of each alert (alerts.case_ids as rows, migration 0009): a key sees an alert through
# the cases it may see, with the case list's own jurisdiction filter.
alert_cases = Table(
    "alert_cases",
    metadata,
    Column("alert_id", ID, ForeignKey("alerts.id"), primary_key=True),
    Column("case_id", ID, ForeignKey("cases.id"), primary_key=True, index=True),
)

# Each parking of a case and the retry that ended it: who released it, when and why (the audit).
case_parkings = Table(
    "case_parkings",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("parked_at", TS, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("error", String(300), nullable=False),
    Column("flow_run_id", String(36)),  # the run whose failure reached the limit
    Column("released_at", TS),
    Column("released_by", String(100)),
    Column("release_reason", Text),
)

# 调解笔录: each mediation session as the mediator recorded it (migration 0013). A record is stored
# once: the same text again (its fingerprint) or the same Idempotency-Key finds the stored one.
session_records = Table(
    "session_records",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("number", Integer, nullable=False),  # the n-th session of the case, from 1
    Column("attempt", Integer, nullable=False),
    Column("held_at", TS, nullable=False),
    Column("place", String(200), nullable=False),
    Column("attendees", JSON, nullable=False),
    Column("mediators", JSON, nullable=False),
    Column("content", Text, nullable=False),  # what was said and proposed: personal data, masked on read
    Column("actor", String(100), nullable=False),
    Column("received_at", TS, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("idempotency_key", String(200)),
    UniqueConstraint("case_id", "number", name="uq_session_records_case_number"),
    UniqueConstraint("case_id", "fingerprint", name="uq_session_records_case_fingerprint"),
    UniqueConstraint("case_id", "idempotency_key", name="uq_session_records_case_key"),
)

# The agreement's terms as data (Art. 29), one per attempt that reached an agreement: the follow-up
# visit falls due from the performance deadline (migration 0013).
agreement_terms = Table(
    "agreement_terms",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("oral", Boolean, nullable=False),
    Column("terms", Text, nullable=False),  # the agreed terms as written: personal data, masked on read
    Column("amount", Numeric(14, 2)),
    Column("perform_by", Date),
    Column("manner", String(200), nullable=False),
    Column("recorded_at", TS, nullable=False),
    UniqueConstraint("case_id", "attempt", name="uq_agreement_terms_case_attempt"),
)

# 申请司法确认: the parties applied to a court to confirm an agreement (Art. 33), one per case and the
# attempt that reached it (migration 0015); counted in the official figures.
judicial_confirmations = Table(
    "judicial_confirmations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("applied_on", Date, nullable=False),
    Column("court", String(100), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("recorded_at", TS, nullable=False),
    UniqueConstraint("case_id", "attempt", name="uq_judicial_confirmations_case_attempt"),
)

# The case's papers (migration 0013): each generated from the record (a PDF, with the data it was
# made from) or uploaded (a signed copy), kept with its sha256. Never changed: a document made
# again is a new version; triggers refuse UPDATE and DELETE.
documents = Table(
    "documents",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),  # models.documents.DocumentKind
    Column("subject", String(40), nullable=False),  # which one of its kind: "session:2", "attempt:1", "case"
    Column("version", Integer, nullable=False),
    Column("origin", String(20), nullable=False),  # generated | uploaded
    Column("media_type", String(50), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("data", JSON, nullable=False),  # what it was made from; for an upload, its name and who sent it
    Column("actor", String(100), nullable=False),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("case_id", "kind", "subject", "version", name="uq_documents_case_kind"),
)

# 矛盾纠纷排查: a committee's screening sessions, and the cases registered from what each found
# (migration 0012). Counted in the statistics by the China-time day held and the area swept.
screenings = Table(
    "screenings",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("held_on", Date, nullable=False, index=True),
    Column("area_code", String(20), nullable=False, index=True),
    Column("org_code", String(64)),
    Column("place", String(200), nullable=False),
    Column("screened_by", String(200), nullable=False),
    Column("disputes_found", Integer, nullable=False),
    Column("disputes_prevented", Integer, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("actor", String(100), nullable=False),
    Column("recorded_at", TS, nullable=False),
)

screening_cases = Table(
    "screening_cases",
    metadata,
    Column("screening_id", ID, ForeignKey("screenings.id"), primary_key=True),
    Column("case_id", ID, ForeignKey("cases.id"), primary_key=True, unique=True),  # a case comes from one sweep
    Column("screened_on", Date),  # the ledger's 排查日期 for the case, else the session's day (migration 0017)
)

# 以案定补: the case-subsidy tariffs (models/subsidies.py), each in force from a month until the next
# (migration 0012); a month's statement is computed from the timeline with the tariff of that month.
subsidy_tariffs = Table(
    "subsidy_tariffs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("effective_from", String(7), nullable=False),
    Column("document", JSON, nullable=False),
    Column("source", String(500), nullable=False),
    Column("created_at", TS, nullable=False),
)

# Every flow run recorded for a case, in order (migration 0019): cases.flow_run_id is the one
# driving it now; a run handed on to a new one says by which, when, and the state it ended in.
case_flow_runs = Table(
    "case_flow_runs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("flow_run_id", String(36), nullable=False),
    Column("recorded_at", TS, nullable=False),
    Column("replaced_by", String(36)),
    Column("replaced_at", TS),
    Column("ended_as", String(40)),  # the Prefect state's name (Failed, Cancelled…) when it was replaced
    Column("ended_message", String(500)),  # that state's message, as Prefect had it
    UniqueConstraint("case_id", "flow_run_id", name="uq_case_flow_runs_case_run"),
)

# The Prefect automation firings a sweep has read (migration 0019), by event id: the newest per
# work pool is where the next sweep reads from, and an id heard before raises nothing again.
prefect_events_heard = Table(
    "prefect_events_heard",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("pool", String(100), nullable=False),
    Column("occurred", TS, nullable=False),
    Column("alert_id", ID, ForeignKey("alerts.id")),
    Column("heard_at", TS, nullable=False),
    Index("ix_prefect_events_heard_pool_occurred", "pool", "occurred"),
)
