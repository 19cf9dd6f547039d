"""Points (积分制) through the API: a month's ranking of mediators and committees."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from fengqiao.api.auth import CallerDep, allow
from fengqiao.models.access import Role
from fengqiao.models.points import CREDIT, Tally, standing
from fengqiao.services.points import monthly_points

router = APIRouter(tags=["points 积分制"])


class Scored(BaseModel):
    code: str = Field(description="the mediator's or committee's code")
    rank: int = Field(description="standard competition ranking: equal points share a rank (1, 1, 3)")
    cases: int
    agreements: int
    sessions: int
    days: int
    satisfaction: int = Field(description="the follow-up visits' scores, summed")
    visits: int
    average_satisfaction: float | None
    points: float


class Points(BaseModel):
    month: str
    formula: dict[str, float] = Field(description="points for each unit of work (network YAML `points:`)")
    credit: str = Field(description="who is credited with what (models.points.CREDIT), Chinese first")
    mediators: list[Scored]
    committees: list[Scored] = Field(
        description="the committees (调委会) and stationed rooms (派驻调解室) the cases were held at"
    )


def _scored(rows: list[tuple[str, Tally]]) -> list[Scored]:
    return [
        Scored(code=code, rank=rank, average_satisfaction=t.average_satisfaction, **asdict(t))
        for rank, code, t in standing(rows)
    ]


@router.get("/points", response_model=Points, **allow(Role.COORDINATOR, Role.ADMIN))
def get_points(
    caller: CallerDep,
    month: Annotated[str, Query(description="the month (YYYY-MM); this month is live")],
) -> Points:
    """积分制 Each mediator's and committee's points for the month from the cases in the caller's
    jurisdiction, highest first; a month that is not one or has not begun is 422 naming `month`, in the
    words `fengqiao points` and /stats use (models.months)."""
    found = monthly_points(month, caller=caller)
    return Points(
        month=found.month,
        formula=asdict(found.rules),
        credit=CREDIT,
        mediators=_scored(found.mediators),
        committees=_scored(found.committees),
    )
