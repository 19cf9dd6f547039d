"""An administrator's explicit migration of one case to another configuration version."""

from __future__ import annotations

from db import repository as repo
from db.uow import UnitOfWork
from models.case import Case
from models.reconfigure import migrate
from tasks.context import configuration, engine
from tasks.notify import announce
from tasks.steps import now


def migrate_case(ref: str, version: int, *, actor: str, note: str = "") -> Case:
    """One transaction; the case's flow reads the new version at its next step."""
    with UnitOfWork(engine()) as uow:
        case = repo.find_case(uow.conn, ref)
        old, _ = configuration(uow.conn, case.config_version)
        new, _ = configuration(uow.conn, version)
        after, record = migrate(case, old, new, version=version, actor=actor, note=note, at=now())
        repo.save_move(uow.conn, case, after, record, flow_run_id=None)
        uow.commit()
    announce(after, record, flow_run_id=None)
    return after
