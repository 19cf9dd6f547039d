"""The monthly case-subsidy statement (以案定补) through the API, for the finance office's systems."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from fengqiao.api.auth import allow
from fengqiao.models.access import Role
from fengqiao.services.stats import MONTH_PATTERN
from fengqiao.services.subsidies import monthly_statement

router = APIRouter(tags=["subsidies 以案定补"])


class SubsidyItem(BaseModel):
    case_no: str
    org_code: str = Field(description="the committee that concluded it")
    mediator: str
    result: str = Field(description="written, oral or handed_off")
    rules: list[str] = Field(description="the tariff's rules it earns, once each")
    yuan: int


class SubsidyStatement(BaseModel):
    month: str
    tariff_version: int | None = Field(description="the tariff in force in the month (None: none yet)")
    tariff_from: str | None
    total: int = Field(description="元 yuan")
    by_mediator: dict[str, int]
    by_org: dict[str, int]
    items: list[SubsidyItem]


@router.get("/subsidies", response_model=SubsidyStatement, **allow(Role.COORDINATOR, Role.ADMIN))
def get_subsidies(
    month: Annotated[str, Query(pattern=MONTH_PATTERN, description="the month (YYYY-MM), China time")],
    org: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="one committee")] = None,
) -> SubsidyStatement:
    """以案定补 A month's statement: each case's rules and yuan, totals by mediator and committee."""
    s = monthly_statement(month, org)
    return SubsidyStatement(
        month=s.month,
        tariff_version=s.tariff_version,
        tariff_from=s.tariff_from,
        total=s.total,
        by_mediator=s.by_mediator,
        by_org=s.by_org,
        items=[SubsidyItem(**vars(i) | {"rules": list(i.rules)}) for i in s.items],
    )
