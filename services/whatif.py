"""Replay a period's stored cases against a proposed configuration, before an administrator applies it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fengqiao.config.network import network_from_document
from fengqiao.db import queries
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.vocabulary import Risk
from fengqiao.models.whatif import Replayable, WhatIf, compare
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine


def what_if(
    document: dict[str, Any], *, since: datetime, until: datetime, within: queries.CaseFilter | None = None
) -> WhatIf:
    """within: the caller's jurisdiction (None: every case, for an administrator's own tools)."""
    with UnitOfWork(engine()) as uow:
        rows = queries.replayable_cases(uow.conn, since=since, until=until, within=within)
        own = {v: configuration(uow.conn, v) for v in {r["config_version"] for r in rows}}
    cases = [
        Replayable(
            r["case_no"],
            r["config_version"],
            r["declared_type"],
            r["summary"],
            r["people_involved"],
            Risk.EMERGENCY if r["repeated"] else Risk.NORMAL,
            tuple(r["answers"]),
        )
        for r in rows
    ]
    return compare(cases, own, network_from_document(document))
