"""The names people read for the applied network's codes (models.names), read once per call."""

from __future__ import annotations

from fengqiao.db import configurations
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.names import Names
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine


def current_names() -> Names:
    """The names of the configuration applied last; codes shown as they are before any is applied."""
    with UnitOfWork(engine()) as uow:
        version = configurations.latest_config_version(uow.conn)
        return Names.of(configuration(uow.conn, version)[0] if version is not None else None)
