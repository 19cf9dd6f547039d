"""An administrator's explicit migration of one case to another configuration version."""

from __future__ import annotations

from fengqiao.db.uow import Connection
from fengqiao.models.case import Case
from fengqiao.models.reconfigure import migrate
from fengqiao.models.text import NOTE_CHARS, recorded_text
from fengqiao.models.transitions import Moved
from fengqiao.services.context import configuration
from fengqiao.services.runtime import now
from fengqiao.services.steps import apply_decision


def migrate_case(ref: str, version: int, *, actor: str, note: str = "") -> Case:
    """One transaction; the case's flow reads the new version at its next step."""
    recorded_text(note, field="note", max_chars=NOTE_CHARS, multiline=True)

    def decide(conn: Connection, case: Case) -> Moved:
        old, _ = configuration(conn, case.config_version)
        new, _ = configuration(conn, version)
        return migrate(case, old, new, version=version, actor=actor, note=note, at=now())

    return apply_decision(ref, decide)[0]
