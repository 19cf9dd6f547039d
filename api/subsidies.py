"""The monthly case-subsidy statement (以案定补) through the API, for the finance office's systems."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from fengqiao.api.auth import CallerDep, allow
from fengqiao.models.access import Role
from fengqiao.services.subsidies import monthly_statement

router = APIRouter(tags=["subsidies 以案定补"])


class SubsidyShare(BaseModel):
    attempt: int = Field(description="the mediation attempt (1, 2, …; 0: concluded before any attempt)")
    mediator: str = Field(description="who conducted it")
    org_code: str = Field(description="the committee it was conducted at")
    yuan: int


class SubsidyItem(BaseModel):
    case_no: str
    org_code: str = Field(description="the committee that concluded it")
    mediator: str = Field(description="the mediator holding it when it concluded")
    result: str = Field(description="written, oral, handed_off (after mediation) or refused")
    rules: list[str] = Field(description="the tariff's rules it earns, once each")
    yuan: int = Field(description="the case's sum (with org: that committee's shares of it)")
    shares: list[SubsidyShare] = Field(description="who is paid: by attempt (share split) or the concluding mediator")


class SubsidyStatement(BaseModel):
    month: str
    provisional: bool = Field(description="未结账: the month is not over, its figures may still change")
    tariff_version: int | None = Field(description="the tariff in force in the month (None: none yet)")
    tariff_from: str | None
    share: str = Field(description="split (between the attempts' mediators) or concluding (all to the last)")
    total: int = Field(description="元 yuan")
    by_mediator: dict[str, int]
    by_org: dict[str, int]
    items: list[SubsidyItem]


@router.get("/subsidies", response_model=SubsidyStatement, **allow(Role.COORDINATOR, Role.ADMIN))
def get_subsidies(
    caller: CallerDep,
    month: Annotated[str, Query(description="the month (YYYY-MM), China time; checked as `fengqiao stats` checks it")],
    org: Annotated[str | None, Query(description="one committee (its code): its shares only")] = None,
) -> SubsidyStatement:
    """以案定补 A month's statement of the cases in the caller's jurisdiction: each case's rules, yuan and who
    is paid; totals by mediator and committee. A month that is not one (YYYY-MM, 1900-01 to 2199-12)
    or has not begun, or a committee the network lacks or the caller's jurisdiction does not hold, is
    422 naming the field, in the words `fengqiao subsidies` and /stats use (models.months)."""
    s = monthly_statement(month, org, caller=caller)
    return SubsidyStatement(
        month=s.month,
        provisional=s.provisional,
        tariff_version=s.tariff_version,
        tariff_from=s.tariff_from,
        share=s.share,
        total=s.total,
        by_mediator=s.by_mediator,
        by_org=s.by_org,
        items=[
            SubsidyItem(**vars(i) | {"rules": list(i.rules), "shares": [SubsidyShare(**vars(p)) for p in i.shares]})
            for i in s.items
        ],
    )
