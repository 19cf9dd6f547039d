"""Retrying a parked case (models.parking): a coordinator or administrator releases it, saying why.

The release (count cleared, who and why in the parking's audit row, its alert acknowledged) is
one transaction; the case's flow run is started after the answer has gone, as for every input.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks
from pydantic import BaseModel, ConfigDict, Field

from fengqiao.api.auth import CallerDep, allow
from fengqiao.api.cases import CaseRef
from fengqiao.api.schemas import ParkedOut
from fengqiao.models.access import Role
from fengqiao.models.vocabulary import Status
from fengqiao.runs.launch import try_wake
from fengqiao.services.case_reads import visible_case
from fengqiao.services.parking import REASON_CHARS, retry_case

router = APIRouter(tags=["cases 案件"])


class RetryIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "网络配置已补充该社区 the community is in the network now"}]},
    )
    reason: str = Field(min_length=1, max_length=REASON_CHARS, description="why it is retried now: what was fixed")


class Retried(BaseModel):
    case_id: int
    case_no: str
    status: Status = Field(description="unchanged: parking is a flag beside the status")
    released: ParkedOut = Field(description="the parking this retry ended")
    retried_by: str
    reason: str


@router.post(
    "/cases/{case_id}/retry",
    response_model=Retried,
    **allow(Role.COORDINATOR, Role.ADMIN, errors=(404, 409)),
)
def post_retry(case_id: CaseRef, body: RetryIn, caller: CallerDep, wake: BackgroundTasks) -> Retried:
    """重试 Release a parked case and start its flow again; 409 `not_parked` if it is not parked."""
    case = visible_case(caller, case_id)
    case, released = retry_case(case.case_no, actor=caller.actor, reason=body.reason)
    wake.add_task(try_wake, case.id)
    return Retried(
        case_id=case.id,
        case_no=case.case_no,
        status=case.status,
        released=ParkedOut.model_validate(released),
        retried_by=caller.actor,
        reason=body.reason.strip(),
    )
