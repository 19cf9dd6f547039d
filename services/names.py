"""The names people read for the applied network's codes (models.names), read once per version."""

from __future__ import annotations

from fengqiao.db import configurations
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.names import Names
from fengqiao.services.runtime import engine

_names: dict[tuple[str, int], Names] = {}


def current_names() -> Names:
    """The names of the configuration applied last; codes shown as they are before any is applied.

    Read from its document, once per version and process (versions never change once stored): a
    command that shows names needs no network (services/context.py)."""
    with UnitOfWork(engine()) as uow:
        version = configurations.latest_config_version(uow.conn)
        if version is None:
            return Names.of_document(None)
        key = (str(uow.conn.engine.url), version)
        if key not in _names:
            _names[key] = Names.of_document(configurations.config_document(uow.conn, version))
        return _names[key]
