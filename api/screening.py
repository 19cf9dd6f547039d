"""Screening sessions (矛盾纠纷排查) through the API: a committee records each sweep; staff list them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from fengqiao.api.auth import CallerDep, allow
from fengqiao.api.schemas import LineText, NoteText
from fengqiao.models.access import Role, jurisdiction
from fengqiao.models.screening import AREA_PATTERN, LINE_CHARS, MAX_FOUND, NOTE_CHARS, Screening
from fengqiao.services.screening import record_screening, screenings
from fengqiao.services.stats import Question

router = APIRouter(tags=["screening 矛盾纠纷排查"])
RECORDERS = (Role.MEDIATOR, Role.COORDINATOR, Role.ADMIN)
Count = Annotated[int, Field(ge=0, le=MAX_FOUND)]


class ScreeningIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "held_on": "2026-11-20",
                    "area_code": "511502001001",
                    "place": "朝阳社区1-8栋",
                    "screened_by": "朝阳社区调委会 王调解、网格员李四",
                    "disputes_found": 3,
                    "disputes_prevented": 1,
                    "cases": ["FQ20260000001"],
                }
            ]
        },
    )
    held_on: date = Field(description="the day held, China time")
    area_code: str = Field(pattern=AREA_PATTERN, description="the area swept")
    place: LineText = Field(min_length=1, max_length=LINE_CHARS)
    screened_by: LineText = Field(min_length=1, max_length=LINE_CHARS, description="who swept")
    disputes_found: Count = Field(description="排查发现纠纷")
    disputes_prevented: Count = Field(default=0, description="预防纠纷")
    org_code: str | None = Field(default=None, max_length=64, description="the committee that held it")
    note: NoteText = Field(default="", max_length=NOTE_CHARS)
    cases: list[Annotated[str, Field(max_length=32)]] = Field(
        default=[], max_length=1000, description="case numbers registered from what it found"
    )


class ScreeningOut(ScreeningIn):
    model_config = ConfigDict(extra="forbid")
    id: int
    actor: str


def _out(s: Screening) -> ScreeningOut:
    return ScreeningOut(
        id=s.id,
        actor=s.actor,
        held_on=s.held_on,
        area_code=s.area_code,
        place=s.place,
        screened_by=s.screened_by,
        disputes_found=s.disputes_found,
        disputes_prevented=s.disputes_prevented,
        org_code=s.org_code,
        note=s.note,
        cases=list(s.cases),
    )


@router.post("/screenings", response_model=ScreeningOut, status_code=201, **allow(*RECORDERS))
def post_screening(body: ScreeningIn, caller: CallerDep) -> ScreeningOut:
    """排查 Record a screening session in the caller's jurisdiction, with the cases registered from it."""
    fields = body.model_dump()
    stored = record_screening(Screening(**fields | {"cases": tuple(body.cases), "actor": caller.actor}), caller=caller)
    return _out(stored)


@router.get("/screenings", response_model=list[ScreeningOut], **allow(*RECORDERS))
def get_screenings(
    caller: CallerDep,
    month: Annotated[str | None, Query(max_length=40, description="held in this month (YYYY-MM)")] = None,
    region: Annotated[str | None, Query(pattern=r"^\d{2,9}$", description="an area-code prefix to a street")] = None,
) -> list[ScreeningOut]:
    """排查 The screening sessions in the caller's jurisdiction, latest first. A month that is not one is 422
    naming `month`, in the words of /stats."""
    areas, orgs = jurisdiction(caller)
    return [_out(s) for s in screenings(Question(month, month, region, within_areas=areas, within_orgs=orgs))]
