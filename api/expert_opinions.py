"""The expert's opinion (专家意见) through the API: an expert's own key (its name is the expert's code)
or a coordinator's naming the expert; stored once, then the case's flow resumes."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks
from pydantic import BaseModel, ConfigDict, Field

from fengqiao.api.auth import CallerDep, IdempotencyKey, allow, scoped
from fengqiao.api.cases import CaseRef, answerable_case, recorded
from fengqiao.api.errors import ApiError
from fengqiao.api.schemas import Attempt, InputRecorded, LineText, NoteText
from fengqiao.models.access import Role
from fengqiao.models.text import NOTE_CHARS
from fengqiao.runs.launch import try_wake
from fengqiao.services.expert_opinions import record_opinion

router = APIRouter(tags=["paperwork 文书"])


class OpinionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"expert": "E-05", "text": "经审阅病历，医方存在告知不充分的过错，建议按30%承担责任。"}]
        },
    )
    expert: LineText | None = Field(
        default=None, min_length=1, max_length=64, description="the expert's code; an expert's own key may leave it out"
    )
    text: NoteText = Field(min_length=1, max_length=NOTE_CHARS, description="the opinion")
    attempt: Attempt = None


@router.post(
    "/cases/{case_id}/expert-opinion",
    response_model=InputRecorded,
    **allow(Role.EXPERT, Role.COORDINATOR, errors=(404, 409)),
)
def post_expert_opinion(
    case_id: CaseRef, body: OpinionIn, caller: CallerDep, wake: BackgroundTasks, idempotency_key: IdempotencyKey = None
) -> InputRecorded:
    """专家意见 The expert pool's opinion an escalated case waits for: stored once, kept as a paper."""
    case = answerable_case(caller, case_id)
    own = caller.name if caller.role is Role.EXPERT else None
    if own is not None and body.expert not in (None, own):
        raise ApiError(
            403,
            "forbidden",
            f"密钥 {own} 只能提交本人的意见 key {own} gives its own opinion, not {body.expert}'s",
            field="expert",
        )
    expert = body.expert or own
    if expert is None:
        raise ApiError(
            422, "invalid_input", "expert: 请写明出具意见的专家 name the expert whose opinion this is", field="expert"
        )
    key = scoped(caller, idempotency_key)
    rec = record_opinion(case.case_no, expert, body.text, attempt=body.attempt, idempotency_key=key)
    wake.add_task(try_wake, case.id)
    return recorded(rec)
