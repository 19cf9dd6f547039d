"""Intake: register a case from a channel record, once, before any flow run exists.

Registration is synchronous on purpose: the caller (a channel, the API) needs the case number
back, and the database must hold the case before Prefect is told anything about it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.network import load_network_file
from db import queries
from db import repository as repo
from db.uow import UnitOfWork
from models.case import Case, NewCase
from models.errors import ConfigurationError, InvalidInput
from tasks.context import configuration, engine
from tasks.notify import announce
from tasks.steps import now


def apply_configuration(document: dict[str, Any] | None = None, *, source: str | None = None) -> int:
    """Store a network document as a configuration version (the shipped sample by default)."""
    if document is None:
        path = Path(source) if source else None
        document = load_network_file(path)
        source = str(path or "sample_network.yaml")
    with UnitOfWork(engine()) as uow:
        version = repo.store_config_version(uow.conn, document, source=source or "api", at=now())
        uow.commit()
    return version


def register_case(new: NewCase, *, record: str | None = None) -> tuple[Case, bool]:
    """(the case, whether this call created it): the same channel record twice gives the same case.

    record names the input in errors (a file and line); by default the channel's ticket id.
    """
    with UnitOfWork(engine()) as uow:
        version = repo.latest_config_version(uow.conn)
        if version is None:
            raise ConfigurationError("no network configuration applied yet: run `fengqiao demo` or apply one")
        network, _ = configuration(uow.conn, version)
        if not network.knows_area(new.area_code):
            record = record or new.channel_ref or "(no channel ref)"
            raise InvalidInput(f"area code {new.area_code} is not in the network", record=record, field="area_code")
        case, created = repo.add_case(uow.conn, new, config_version=version, at=now())
        first = queries.timeline(uow.conn, case.id)[0]
        uow.commit()
    if created:  # the intake row is a transition like any other: announce it too
        announce(case, first, flow_run_id=None)
    return case, created
