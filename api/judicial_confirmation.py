"""申请司法确认 through the API: record that the parties applied to a court to confirm their agreement."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from fengqiao.api.auth import CallerDep, allow
from fengqiao.api.cases import CaseRef, answerable_case
from fengqiao.api.schemas import LineText
from fengqiao.models.access import Role
from fengqiao.models.judicial_confirmation import COURT_CHARS
from fengqiao.services.judicial_confirmation import record_application

router = APIRouter(tags=["paperwork 文书"])


class ConfirmationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"applied_on": "2026-12-02", "court": "翠屏区人民法院"}]}
    )
    applied_on: date | None = Field(default=None, description="the China-time day the parties applied (default today)")
    court: LineText | None = Field(
        default=None,
        min_length=1,
        max_length=COURT_CHARS,
        description="the court applied to (default: the district's people's court, as the 司法确认申请书 names it)",
    )


class ConfirmationOut(BaseModel):
    case_id: int
    case_no: str
    attempt: int = Field(description="the mediation attempt whose agreement it asks to confirm")
    applied_on: date
    court: str
    actor: str
    created: bool = Field(description="false: the same application was recorded before")


@router.post(
    "/cases/{case_id}/judicial-confirmation",
    response_model=ConfirmationOut,
    **allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_judicial_confirmation(case_id: CaseRef, body: ConfirmationIn, caller: CallerDep) -> ConfirmationOut:
    """申请司法确认 The parties applied for judicial confirmation of the case's agreement: stored once."""
    case = answerable_case(caller, case_id)
    case, stored, created = record_application(
        case.case_no, actor=caller.actor, applied_on=body.applied_on, court=body.court
    )
    return ConfirmationOut(
        case_id=case.id,
        case_no=case.case_no,
        attempt=stored.attempt,
        applied_on=stored.applied_on,
        court=stored.court,
        actor=stored.actor,
        created=created,
    )
