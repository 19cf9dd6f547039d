"""The administrators' configuration (escalation paths and the network, versioned) and the figures.

PUT stores a new version after the same static checks as `fengqiao config apply`; running cases
keep the version they started under.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body

from api.auth import CallerDep, allow
from api.cases import jurisdiction
from api.schemas import ConfigVersion, Stats
from config.network import parse_network_document
from db import queries, stats
from db import repository as repo
from db.uow import UnitOfWork
from models.access import Role
from models.clocks import day_of
from models.errors import ConfigurationError
from tasks.clocks import deadlines
from tasks.context import engine
from tasks.intake import apply_configuration
from tasks.steps import now

router = APIRouter(tags=["network 网络与路径"])
STAFF = (Role.COORDINATOR, Role.ADMIN)


def _current() -> ConfigVersion:
    with UnitOfWork(engine()) as uow:
        number = repo.latest_config_version(uow.conn)
        if number is None:
            raise ConfigurationError("no configuration has been applied yet", field="version")
        version = next(v for v in repo.config_versions_list(uow.conn) if v["id"] == number)
        document = repo.config_document(uow.conn, number)
    return ConfigVersion(version=number, applied_at=version["created_at"], source=version["source"], document=document)


@router.get("/escalation-paths", response_model=ConfigVersion, **allow(*STAFF))
def get_paths() -> ConfigVersion:
    """升级路径 The applied configuration: network, escalation paths and triage rules, with its version."""
    return _current()


@router.put("/escalation-paths", response_model=ConfigVersion, **allow(Role.ADMIN))
def put_paths(
    caller: CallerDep, document: Annotated[dict[str, Any], Body(description="a whole network document")]
) -> ConfigVersion:
    """应用配置 Check a network document as `fengqiao config apply` does and store it as a new version."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    checked = parse_network_document(text, "request body")
    apply_configuration(checked, source=f"api:{caller.name}")
    return _current()


def _section(name: str) -> list[dict[str, Any]]:
    return list(_current().document.get(name, []))


@router.get("/organisations", response_model=list[dict[str, Any]], **allow(*STAFF))
def get_organisations() -> list[dict[str, Any]]:
    """组织 Committees by level, panels, expert pools and stationed rooms of the applied configuration."""
    return _section("organisations") + _section("stationed_rooms")


@router.get("/mediators", response_model=list[dict[str, Any]], **allow(*STAFF))
def get_mediators() -> list[dict[str, Any]]:
    """调解员 Mediators: organisation, specialties, grade, capacity."""
    return _section("mediators")


@router.get("/experts", response_model=list[dict[str, Any]], **allow(*STAFF))
def get_experts() -> list[dict[str, Any]]:
    """专家 The expert pools' members and their fields."""
    return _section("experts")


@router.get("/stats", response_model=Stats, **allow(*STAFF))
def get_stats(caller: CallerDep) -> Stats:
    """统计 Counts and rates by type, channel, level, outcome and district; overdue cases (in jurisdiction)."""
    areas, orgs = jurisdiction(caller)
    where = queries.CaseFilter(within_areas=areas, within_orgs=orgs)
    with UnitOfWork(engine()) as uow:
        counts = stats.case_counts(uow.conn, where)
        mediating = stats.mediating_case_ids(uow.conn, where)
    overdue = sum(1 for d in deadlines(day_of(now())) if d.case_id in mediating and (d.days_left or 0) < 0)
    return Stats(overdue=overdue, **counts)
