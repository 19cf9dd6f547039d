"""Factories for cases and networks, with explicit defaults a test overrides by name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from config.network import load_network_file, network_from_document
from models.case import Case, NewCase, Party
from models.network import Network
from models.triage import TriageRules
from models.vocabulary import Channel, Status

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
