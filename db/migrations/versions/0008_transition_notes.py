"""free text out of transitions.reason

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 08:00:00

transitions.note keeps what a person wrote on a move (a mediator's note, a refusal's or a
withdrawal's, an expert opinion, a handoff result, a clock, duplicate or migration note), so
reason stays a sentence the system makes; the timeline masks the note when it shows it.

Rows written before keep that free text inside reason: transitions are append-only (a trigger
refuses UPDATE), and a reason cannot be split back into sentence and note reliably. They are left
as they are, and the timeline masks every reason as well as every note on read (api.cases), so
old and new rows are shown under the same rules.

Adding a nullable column is DDL, which the row triggers do not see, and on SQLite it is a plain
ADD COLUMN (no table copy, so the triggers stay). Downgrading must not lose what people wrote: it
folds each note back into its reason ("reason: note", as the code before 0008 wrote it) with the
append-only trigger off for that one statement, then drops the column with SQLite's own DROP
COLUMN (a batch table copy would drop the triggers).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FOLD = "UPDATE transitions SET reason = reason || ': ' || note WHERE note IS NOT NULL AND note <> ''"


def upgrade() -> None:
    op.add_column("transitions", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE transitions DISABLE TRIGGER transitions_append_only")
        op.execute(FOLD)
        op.execute("ALTER TABLE transitions ENABLE TRIGGER transitions_append_only")
        op.drop_column("transitions", "note")
    else:
        op.execute("DROP TRIGGER transitions_no_update")
        op.execute(FOLD)
        op.execute(
            "CREATE TRIGGER transitions_no_update BEFORE UPDATE ON transitions "
            "BEGIN SELECT RAISE(ABORT, 'transitions are append-only'); END"
        )
        op.execute("ALTER TABLE transitions DROP COLUMN note")
