"""The administrators' configuration (escalation paths and the network, versioned) and the figures.

Every change, a whole document or one organisation, mediator or expert, stores a new version
after the same static checks as `fengqiao config apply`; running cases keep the version they
started under.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel

from fengqiao.api.auth import CallerDep, allow
from fengqiao.api.errors import ApiError
from fengqiao.api.schemas import ConfigVersion, Stats
from fengqiao.config.network import ExpertDoc, MediatorDoc, OrgDoc, parse_network_document
from fengqiao.models.access import Caller, Role, jurisdiction
from fengqiao.models.clocks import day_of
from fengqiao.models.errors import ConfigurationError
from fengqiao.services.config_versions import stored_version
from fengqiao.services.intake import apply_configuration
from fengqiao.services.runtime import now
from fengqiao.services.stats import API, Question, asked, figures

router = APIRouter(tags=["network 网络与路径"])
STAFF = (Role.COORDINATOR, Role.ADMIN)


def _current() -> ConfigVersion:
    stored = stored_version()
    if stored is None:
        raise ConfigurationError("尚未应用调解网络配置 no configuration has been applied yet", field="version")
    return ConfigVersion(
        version=stored.number, applied_at=stored.applied_at, source=stored.source, document=stored.document
    )


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
    checked = parse_network_document(text, "request body", lines=False)
    apply_configuration(checked, source=f"api:{caller.name}")
    return _current()


def _section(name: str) -> list[dict[str, Any]]:
    return list(_current().document.get(name, []))


def _change(section: str, code: str, entry: BaseModel | None, caller: Caller) -> ConfigVersion:
    """One entry put or removed: the rest of the applied document unchanged, checked whole, a new version."""
    if entry is not None and getattr(entry, "code", code) != code:
        raise ApiError(
            422,
            "invalid_input",
            f"code: 请求体的代码应与路径一致 the body's code must be {code!r}, as in the path",
            field="code",
        )
    document = _current().document
    entries = list(document.get(section, []))
    at = next((i for i, e in enumerate(entries) if e["code"] == code), None)
    if entry is None:
        if at is None:
            raise ApiError(
                404,
                "not_found",
                f"现行配置中没有 {code!r} no {section[:-1]} {code!r} in the applied configuration",
                field="code",
            )
        del entries[at]
    elif at is None:
        entries.append(entry.model_dump(mode="json"))
    else:
        entries[at] = entry.model_dump(mode="json")
    text = json.dumps(document | {section: entries}, ensure_ascii=False, indent=1)
    apply_configuration(parse_network_document(text, f"{section}/{code}", lines=False), source=f"api:{caller.name}")
    return _current()


CodePath = Annotated[str, Path(max_length=64, description="the entry's code")]


@router.put("/organisations/{code}", response_model=ConfigVersion, **allow(Role.ADMIN, errors=(404,)))
def put_organisation(code: CodePath, body: OrgDoc, caller: CallerDep) -> ConfigVersion:
    """组织 Add or change one organisation; the whole network is checked again and stored as a new version."""
    return _change("organisations", code, body, caller)


@router.put("/mediators/{code}", response_model=ConfigVersion, **allow(Role.ADMIN, errors=(404,)))
def put_mediator(code: CodePath, body: MediatorDoc, caller: CallerDep) -> ConfigVersion:
    """调解员 Add or change one mediator (organisation, specialties, grade, capacity, ties); a new version."""
    return _change("mediators", code, body, caller)


@router.delete("/mediators/{code}", response_model=ConfigVersion, **allow(Role.ADMIN, errors=(404,)))
def delete_mediator(code: CodePath, caller: CallerDep) -> ConfigVersion:
    """调解员 Remove a mediator; refused (422, naming the rung) if it would leave a rung with nobody."""
    return _change("mediators", code, None, caller)


@router.put("/experts/{code}", response_model=ConfigVersion, **allow(Role.ADMIN, errors=(404,)))
def put_expert(code: CodePath, body: ExpertDoc, caller: CallerDep) -> ConfigVersion:
    """专家 Add or change one expert of a pool; a new version."""
    return _change("experts", code, body, caller)


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
def get_stats(
    caller: CallerDep,
    since: Annotated[
        str | None, Query(alias="from", description="registered in or after this month (YYYY-MM), not after `to`")
    ] = None,
    until: Annotated[
        str | None, Query(alias="to", description="registered in or before this month (YYYY-MM), not after this one")
    ] = None,
    region: Annotated[
        str | None, Query(description="an area-code prefix of 2 to 9 digits (down to a street) the network serves")
    ] = None,
) -> Stats:
    """统计 Counts and rates by type, channel, level, outcome, district and month; overdue cases (in jurisdiction).

    A month that is not one or is after this month, `from` after `to`, or a region that is not an
    area-code prefix the network serves is 422, naming the parameter and its value."""
    areas, orgs = jurisdiction(caller)
    today = day_of(now())
    since, until, region = asked(since, until, region, today=today, names=API)
    question = Question(since, until, region, within_areas=areas, within_orgs=orgs)
    return Stats(**figures(question, today=today))
