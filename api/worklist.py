"""A mediator's worklist through the API: GET /api/v1/my/cases for a mediator's key (named by its code)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fengqiao.api.auth import CallerDep, allow
from fengqiao.api.schemas import WaitingFor
from fengqiao.models.access import Role
from fengqiao.services.worklist import worklist

router = APIRouter(tags=["cases 案件"])


class WorkItemOut(BaseModel):
    case_id: int
    case_no: str
    status: str
    dispute_type: str | None
    org_code: str | None
    attempt: int
    due_on: date | None = Field(description="the mediation attempt's deadline (China-time day)")
    waiting_for: WaitingFor | None
    next_step: str
    sessions: int = Field(description="session records of the current attempt")
    follow_up_on: date | None = Field(description="a closed agreement: when its follow-up visit is due")


@router.get("/my/cases", response_model=list[WorkItemOut], **allow(Role.MEDIATOR))
def my_cases(caller: CallerDep) -> list[WorkItemOut]:
    """我的案件 The cases assigned to the calling mediator, the most urgent first, with what each waits for."""
    return [
        WorkItemOut(
            case_id=i.case.id,
            case_no=i.case.case_no,
            status=i.case.status,
            dispute_type=i.case.dispute_type,
            org_code=i.case.org_code,
            attempt=i.case.attempt,
            due_on=i.due_on,
            waiting_for=WaitingFor(input=str(i.waiting.kind), attempt=i.waiting.round) if i.waiting else None,
            next_step=i.next_step,
            sessions=i.sessions,
            follow_up_on=i.visit_on,
        )
        for i in worklist(caller)
    ]
