"""Session records (调解笔录) through the API: a mediator records each sitting; the case's readers list them.

A record is stored once (the same record again, or the same Idempotency-Key, answers with the
stored one) and answered masked, as a list shows it: recording is no way round the access log.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fengqiao.api.auth import CallerDep, IdempotencyKey, allow, scoped
from fengqiao.api.cases import EVERYONE, CaseRef, ReasonParam, UnmaskParam, answerable_case, check_unmasking
from fengqiao.api.schemas import Attempt, LineText, NoteText
from fengqiao.models.access import Role
from fengqiao.models.case import Case
from fengqiao.models.session_records import LINE_CHARS, MAX_PEOPLE, SESSION_CHARS, SessionRecord
from fengqiao.services.session_records import read_sessions, record_session

router = APIRouter(tags=["paperwork 文书"])
Person = LineText


class SessionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "held_at": "2026-11-24T10:00:00+08:00",
                    "place": "翠屏区南岸街道人民调解委员会调解室",
                    "attendees": ["张三（申请人）", "李四（被申请人）"],
                    "mediators": ["王调解"],
                    "content": "双方陈述事实；调解员提出由李四承担维修费800元的方案，双方同意。",
                }
            ]
        },
    )
    held_at: AwareDatetime = Field(description="when the session was held, with its offset")
    place: LineText = Field(min_length=1, max_length=LINE_CHARS)
    attendees: list[Person] = Field(min_length=1, max_length=MAX_PEOPLE, description="who attended, and as what")
    mediators: list[Person] = Field(min_length=1, max_length=MAX_PEOPLE, description="the mediator(s) who held it")
    content: NoteText = Field(min_length=1, max_length=SESSION_CHARS, description="what was said and proposed")
    attempt: Attempt = None


class SessionOut(BaseModel):
    case_id: int
    case_no: str
    number: int = Field(description="the n-th session recorded on the case")
    attempt: int
    held_at: datetime
    place: str
    attendees: list[str]
    mediators: list[str]
    content: str
    actor: str
    masked: bool


def _out(case: Case, s: SessionRecord, *, masked: bool) -> SessionOut:
    return SessionOut(
        case_id=case.id,
        case_no=case.case_no,
        number=s.number,
        attempt=s.attempt,
        held_at=s.held_at,
        place=s.place,
        attendees=list(s.attendees),
        mediators=list(s.mediators),
        content=s.content,
        actor=s.actor,
        masked=masked,
    )


@router.post(
    "/cases/{case_id}/sessions",
    response_model=SessionOut,
    **allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_session(
    case_id: CaseRef, body: SessionIn, caller: CallerDep, idempotency_key: IdempotencyKey = None
) -> SessionOut:
    """调解笔录 Record a mediation session of the attempt under way: stored once, a timeline row (stage session)."""
    case = answerable_case(caller, case_id)
    record = SessionRecord(
        attempt=body.attempt or case.attempt,
        held_at=body.held_at,
        place=body.place,
        attendees=tuple(body.attendees),
        mediators=tuple(body.mediators),
        content=body.content,
        actor=caller.actor,
    )
    done = record_session(case.case_no, record, idempotency_key=scoped(caller, idempotency_key))
    return _out(done.case, done.masked, masked=True)


@router.get("/cases/{case_id}/sessions", response_model=list[SessionOut], **allow(*EVERYONE, errors=(404,)))
def get_sessions(
    case_id: CaseRef, caller: CallerDep, unmask: UnmaskParam = False, reason: ReasonParam = None
) -> list[SessionOut]:
    """调解笔录 The case's session records in order; masked unless unmasked (with a reason), every read logged."""
    check_unmasking(caller, unmask, reason)
    case, found = read_sessions(case_id, caller, unmask=unmask, reason=reason)
    return [_out(case, s, masked=not unmask) for s in found]
