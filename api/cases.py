"""Cases: the list, one case (personal data masked unless unmasked with a reason), its timeline,
and what people record on it: a mediation outcome, a handoff result, a follow-up visit.

Each input is stored (once) before it is acknowledged; the case's flow is woken after the answer
has gone, so a slow or absent Prefect never holds a caller, and the sweep recovers a lost wake.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query

from fengqiao.api.auth import CallerDep, IdempotencyKey, allow, scoped
from fengqiao.api.errors import ApiError
from fengqiao.api.schemas import (
    CaseDetail,
    CaseOut,
    CasePage,
    FlowRunOut,
    FollowUpIn,
    FollowUpRecorded,
    HandoffResultIn,
    InputRecorded,
    OutcomeIn,
    ParkedOut,
    PartyOut,
    TimelineEntry,
    WaitingFor,
)
from fengqiao.db import queries
from fengqiao.models.access import MAY_UNMASK, Caller, Role, jurisdiction
from fengqiao.models.case import Case
from fengqiao.models.errors import CaseNotFound
from fengqiao.models.vocabulary import Channel, InputKind, Risk, Status
from fengqiao.runs.launch import try_wake
from fengqiao.services import case_reads
from fengqiao.services.follow_up import record_follow_up
from fengqiao.services.human_input import Recorded, answer_again, record_input

router = APIRouter(tags=["cases 案件"])
EVERYONE = (Role.INTEGRATOR, Role.MEDIATOR, Role.COORDINATOR, Role.ADMIN)
CaseRef = Annotated[str, "a case id (42) or case number (FQ20260000042)"]
UnmaskParam = Annotated[bool, Query(description="show personal data unmasked (mediator, coordinator; logged)")]
ReasonParam = Annotated[str | None, Query(max_length=200, description="why it is unmasked: required with unmask")]


def check_unmasking(caller: Caller, unmask: bool, reason: str | None) -> None:
    """Unmasking is for the roles that may, and only with a reason (it goes to the access log)."""
    if unmask and caller.role not in MAY_UNMASK:
        raise ApiError(
            403,
            "may_not_unmask",
            f"角色 {caller.role} 不能查看完整个人信息 role {caller.role} may not see personal data unmasked",
            field="unmask",
        )
    if unmask and not (reason or "").strip():
        raise ApiError(
            422,
            "invalid_input",
            "reason: 须说明查看完整个人信息的理由 say why personal data is unmasked",
            field="reason",
        )


def answerable_case(caller: Caller, ref: str) -> Case:
    """The case, if the caller may record input on it: 404 if it may not see it, 403 if it may only see it."""
    case, why = case_reads.case_to_answer(caller, ref)
    if why is not None:
        raise ApiError(403, "forbidden", f"案件 case {case.case_no}: {why}", field="case")
    return case


def _case_out(row: queries.CaseRow) -> CaseOut:
    return CaseOut(case_id=row.id, **{k: v for k, v in vars(row).items() if k != "id"})


@router.get("/cases", response_model=CasePage, **allow(*EVERYONE))
def list_cases(
    caller: CallerDep,
    status: Status | None = None,
    channel: Channel | None = None,
    area: Annotated[str | None, Query(pattern=r"^\d{1,15}$", description="area-code prefix")] = None,
    dispute_type: Annotated[str | None, Query(max_length=40)] = None,
    risk: Risk | None = None,
    limit: Annotated[int, Query(ge=1, le=200, description="page size, at most 200")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CasePage:
    """列表 Cases in the caller's jurisdiction, newest first (no personal data in a list)."""
    areas, orgs = jurisdiction(caller)
    where = queries.CaseFilter(status, channel, area, dispute_type, risk, within_areas=areas, within_orgs=orgs)
    found = case_reads.list_cases(where, limit=limit, offset=offset)
    items = [_case_out(r) for r in found.rows]
    return CasePage(items=items, limit=limit, offset=offset, total=found.total)


@router.get("/cases/{case_id}", response_model=CaseDetail, **allow(*EVERYONE, errors=(404,)))
def get_case(
    case_id: CaseRef,
    caller: CallerDep,
    unmask: UnmaskParam = False,
    reason: ReasonParam = None,
) -> CaseDetail:
    """案件 One case. Every read of its personal data, masked or not, goes to the access log."""
    check_unmasking(caller, unmask, reason)
    read = case_reads.read_case(case_id, caller, unmask=unmask, reason=reason)
    c, answer = read.case, read.waiting
    return CaseDetail(
        **_case_out(read.row).model_dump(),
        summary=read.summary,
        people_involved=c.people_involved,
        path_step=c.path_step,
        attempt=c.attempt,
        handoff_target=c.handoff_target,
        config_version=c.config_version,
        duplicate_of=c.duplicate_of,
        next_step=read.next.label,
        waiting_for=WaitingFor(input=str(answer.kind), attempt=answer.round) if answer else None,
        parties=[PartyOut(**p) for p in read.parties],
        masked=not unmask,
        parked=ParkedOut.model_validate(read.parked) if read.parked else None,
        runs=[FlowRunOut.model_validate(r) for r in read.runs],
    )


@router.get("/cases/{case_id}/timeline", response_model=list[TimelineEntry], **allow(*EVERYONE, errors=(404,)))
def get_timeline(
    case_id: CaseRef, caller: CallerDep, unmask: UnmaskParam = False, reason: ReasonParam = None
) -> list[TimelineEntry]:
    """时间线 Every transition of the case, in order: who moved it, why, by which rule, and what a person noted.

    Under the case's rules: reasons and notes masked unless unmasked (mediator, coordinator, with a
    reason), and every read goes to the access log. Reasons are masked too: rows written before
    migration 0008 carry people's notes inside them.
    """
    check_unmasking(caller, unmask, reason)
    rows = case_reads.read_timeline(case_id, caller, unmask=unmask, reason=reason)
    return [TimelineEntry(**vars(t)) for t in rows]


def recorded(rec: Recorded) -> InputRecorded:
    """What was stored, masked as the timeline shows it: an answer is no way round the access log."""
    i = rec.input
    value, note = case_reads.masked_as_timeline(rec.case.id, i.value, i.note)
    return InputRecorded(
        case_id=rec.case.id,
        case_no=rec.case.case_no,
        kind=str(i.kind),
        round=i.round,
        value=value,
        note=note,
        actor=i.actor,
    )


def _answered_by(ref: str, key: str, kind: InputKind, value: str, note: str, attempt: int | None) -> Recorded | None:
    try:
        return answer_again(ref, key, kind, value, note, attempt=attempt)
    except CaseNotFound:
        return None  # answerable_case says 404, as for any case the caller may not see


def _record(
    caller: Caller,
    ref: str,
    kind: InputKind,
    value: str,
    note: str,
    attempt: int | None,
    wake: BackgroundTasks,
    idempotency_key: str | None,
) -> InputRecorded:
    key = scoped(caller, idempotency_key)
    if key is not None and (again := _answered_by(ref, key, kind, value, note, attempt)):
        return recorded(again)  # this key's own answer, sent again: its first answer, wherever the case is now
    case = answerable_case(caller, ref)
    rec = record_input(case.case_no, kind, value, note=note, actor=caller.actor, attempt=attempt, idempotency_key=key)
    wake.add_task(try_wake, case.id)
    return recorded(rec)


@router.post(
    "/cases/{case_id}/outcome",
    response_model=InputRecorded,
    **allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_outcome(
    case_id: CaseRef,
    body: OutcomeIn,
    caller: CallerDep,
    wake: BackgroundTasks,
    idempotency_key: IdempotencyKey = None,
) -> InputRecorded:
    """调解结果 A mediation outcome: stored exactly once, then the case's flow resumes.

    The same outcome sent again gets the same answer; a case not waiting for one answers 409. With
    `attempt` or an `Idempotency-Key`, an outcome sent again after the case moved on gets its first
    answer, never a new round.
    """
    result = body.result.value
    return _record(caller, case_id, InputKind.OUTCOME, result, body.note, body.attempt, wake, idempotency_key)


@router.post(
    "/cases/{case_id}/handoff-result",
    response_model=InputRecorded,
    **allow(Role.INTEGRATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_handoff_result(
    case_id: CaseRef,
    body: HandoffResultIn,
    caller: CallerDep,
    wake: BackgroundTasks,
    idempotency_key: IdempotencyKey = None,
) -> InputRecorded:
    """结果同悉 The receiving body's result for a handed-off case; the case then closes."""
    kind = InputKind.HANDOFF_RESULT
    return _record(caller, case_id, kind, body.result, "", body.attempt, wake, idempotency_key)


@router.post(
    "/cases/{case_id}/follow-up",
    response_model=FollowUpRecorded,
    **allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_follow_up(
    case_id: CaseRef, body: FollowUpIn, caller: CallerDep, idempotency_key: IdempotencyKey = None
) -> FollowUpRecorded:
    """回访 A follow-up visit after an agreement: honoured or not, and the parties' satisfaction."""
    case = answerable_case(caller, case_id)
    after, _ = record_follow_up(
        case.case_no,
        honoured=body.honoured,
        satisfaction=body.satisfaction,
        if_broken=body.if_broken,
        actor=caller.actor,
        attempt=body.attempt,
        idempotency_key=scoped(caller, idempotency_key),
    )
    return FollowUpRecorded(case_id=after.id, case_no=after.case_no, status=after.status)
