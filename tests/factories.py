"""Factories for cases and networks, with explicit defaults a test overrides by name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fengqiao.config.network import load_network_file, network_from_document
from fengqiao.models.case import Case, NewCase, Party
from fengqiao.models.network import Network
from fengqiao.models.triage import TriageRules
from fengqiao.models.vocabulary import Channel, Status

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def sample_network() -> tuple[Network, TriageRules]:
    return network_from_document(load_network_file())


def a_case(**overrides: Any) -> Case:
    """A domain case as stored, in `received` unless told otherwise."""
    values: dict[str, Any] = dict(
        id=1,
        case_no="FQ20260000001",
        status=Status.RECEIVED,
        version=1,
        channel=Channel.GRID,
        area_code="511502001001001",
        summary="楼上漏水",
        dispute_type=None,
    )
    values.update(overrides)
    return Case(**values)


def a_new_case(**overrides: Any) -> NewCase:
    """An intake record as a channel would give it."""
    values: dict[str, Any] = dict(
        channel=Channel.GRID,
        area_code="511502001001001",
        summary="楼上漏水浸湿楼下天花板",
        channel_ref=None,
        parties=(Party("applicant", "张三", "110101199003074514", "13812345678"), Party("respondent", "李四")),
    )
    values.update(overrides)
    return NewCase(**values)


def a_key(  # type: ignore[no-untyped-def]
    role: str, *, name: str | None = None, areas: tuple[str, ...] = ("5115",), orgs: tuple[str, ...] | None = None
):
    """Headers carrying a new API key of this role and jurisdiction (the whole sample city by default).

    A mediator acts only on the cases its organisations hold: unless orgs are given, a mediator's
    key names every organisation of the applied network whose area lies within its areas.
    """
    from fengqiao.db import access, configurations
    from fengqiao.db.uow import UnitOfWork
    from fengqiao.models.access import Role
    from fengqiao.services.context import configuration
    from fengqiao.services.runtime import engine

    with UnitOfWork(engine()) as uow:
        name = name or f"{role}-{'-'.join(areas + (orgs or ())) or 'all'}"
        if orgs is None and role == "mediator" and (version := configurations.latest_config_version(uow.conn)):
            network = configuration(uow.conn, version)[0]
            orgs = tuple(
                o.code for o in network.organisations.values() if o.area_code and o.area_code.startswith(areas)
            )
        _, key = access.create_key(uow.conn, name=name, role=Role(role), areas=areas, orgs=orgs or (), at=AT)
        uow.commit()
    return {"Authorization": f"Bearer {key}"}


def example_of(channel: str) -> dict[str, Any]:
    """The shipped example record of a channel (examples/<channel>.jsonl, first line)."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / f"{channel}.jsonl"
    return json.loads(path.read_text(encoding="utf-8").splitlines()[0])  # type: ignore[no-any-return]
