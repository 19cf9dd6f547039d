"""The stored configuration versions (network, escalation paths, triage rules), as people read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fengqiao.db import configurations
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.network import Network
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine


@dataclass(frozen=True)
class StoredVersion:
    number: int
    applied_at: datetime
    source: str
    document: dict[str, Any]


def config_versions() -> list[dict[str, Any]]:
    """Every version, oldest first, with the number of cases started under it."""
    with UnitOfWork(engine()) as uow:
        return configurations.config_versions_list(uow.conn)


def stored_version(number: int | None = None) -> StoredVersion | None:
    """A version (None: the one applied last), or None if none has been applied; CaseNotFound for one not stored."""
    with UnitOfWork(engine()) as uow:
        number = number or configurations.latest_config_version(uow.conn)
        if number is None:
            return None
        row = configurations.config_version(uow.conn, number)
    return StoredVersion(number, row["created_at"], row["source"], dict(row["document"]))


def network_of(version: int) -> Network:
    with UnitOfWork(engine()) as uow:
        return configuration(uow.conn, version)[0]
