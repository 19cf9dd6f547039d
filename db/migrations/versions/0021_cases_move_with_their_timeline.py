"""a case's state changes only with its version, one at a time: no outcome changed without a timeline row

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 11:00:00

Every move (db.cases.save_move) writes the case's state and its timeline row in one transaction and
raises the case's version by one; `fengqiao audit verify` checks the version against the timeline's
last seq and the status against its last to_status. The columns a move derives besides the status
(the outcome, the agreement's kind, who concluded it, when it closed, the holder, the risk…) could
still be changed by the application's role with no timeline row and no version, which nothing
would report. A trigger on both databases now refuses it: these columns change only with the
version, and the version moves only by one, so every change of a case's state is a new version
that verification holds to a timeline row. Downgrade drops the trigger.
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

MOVED = (  # what save_move writes from a move: its state
    "status",
    "dispute_type",
    "risk",
    "path_step",
    "attempt",
    "org_code",
    "mediator_code",
    "expert_code",
    "opinion_step",
    "handoff_target",
    "duplicate_state",
    "config_version",
    "outcome",
    "agreement",
    "concluded_by",
    "closed_at",
)
COLUMNS = ", ".join(("version", *MOVED))
CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in MOVED)
CHANGED_SQLITE = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in MOVED)
ONE_STEP = "cases.version moves by one, with the next timeline row of the case"
WITH_VERSION = "the state of a case (status, outcome, agreement, holder) changes only with its version, by a move"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION fengqiao_case_moved() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.version IS DISTINCT FROM OLD.version AND NEW.version IS DISTINCT FROM OLD.version + 1 THEN "
            f"RAISE EXCEPTION '{ONE_STEP} (case %: % to %)', OLD.case_no, OLD.version, NEW.version; END IF; "
            f"IF NEW.version = OLD.version AND ({CHANGED}) THEN "
            f"RAISE EXCEPTION '{WITH_VERSION} (case %)', OLD.case_no; END IF; RETURN NEW; END $$"
        )
        op.execute(
            f"CREATE TRIGGER cases_moved BEFORE UPDATE OF {COLUMNS} ON cases "
            "FOR EACH ROW EXECUTE FUNCTION fengqiao_case_moved()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER cases_moved BEFORE UPDATE OF {COLUMNS} ON cases "
            "WHEN NEW.version IS NOT OLD.version AND NEW.version IS NOT OLD.version + 1 "
            f"BEGIN SELECT RAISE(ABORT, '{ONE_STEP}'); END"
        )
        op.execute(
            f"CREATE TRIGGER cases_moved_with_version BEFORE UPDATE OF {COLUMNS} ON cases "
            f"WHEN NEW.version IS OLD.version AND ({CHANGED_SQLITE}) "
            f"BEGIN SELECT RAISE(ABORT, '{WITH_VERSION}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cases_moved ON cases")
        op.execute("DROP FUNCTION IF EXISTS fengqiao_case_moved()")
    else:
        op.execute("DROP TRIGGER IF EXISTS cases_moved")
        op.execute("DROP TRIGGER IF EXISTS cases_moved_with_version")
