"""Cases: the list, one case (personal data masked unless unmasked with a reason), its timeline,
and what people record on it: a mediation outcome, a handoff result, a follow-up visit.

Each input is stored (once) before it is acknowledged; the case's flow is woken after the answer
has gone, so a slow or absent Prefect never holds a caller, and the sweep recovers a lost wake.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query

from fengqiao.api.auth import CallerDep, allow
from fengqiao.api.errors import ApiError
from fengqiao.api.schemas import (
    CaseDetail,
    CaseOut,
    CasePage,
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
from fengqiao.db import access, queries
from fengqiao.db import repository as repo
from fengqiao.db.parking import parking_of
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.flows.launch import try_wake
from fengqiao.models.access import MAY_UNMASK, Caller, Role
from fengqiao.models.case import Case, next_step, pending_wait
from fengqiao.models.errors import CaseNotFound
from fengqiao.models.privacy import mask_id_number, mask_name, mask_phone, mask_text
from fengqiao.models.vocabulary import Channel, InputKind, Risk, Status
from fengqiao.services.context import load_context
from fengqiao.services.follow_up import record_follow_up
from fengqiao.services.human_input import Recorded, awaited, record_input
from fengqiao.services.runtime import engine, now

router = APIRouter(tags=["cases 案件"])
EVERYONE = (Role.INTEGRATOR, Role.MEDIATOR, Role.COORDINATOR, Role.ADMIN)
CaseRef = Annotated[str, "a case id (42) or case number (FQ20260000042)"]
PERSONAL_FIELDS = ["parties.name", "parties.id_number", "parties.phone", "summary"]
TIMELINE_FIELDS = ["transitions.reason", "transitions.note"]  # free text people wrote on the case's moves
UnmaskParam = Annotated[bool, Query(description="show personal data unmasked (mediator, coordinator; logged)")]
ReasonParam = Annotated[str | None, Query(max_length=200, description="why it is unmasked: required with unmask")]


def check_unmasking(caller: Caller, unmask: bool, reason: str | None) -> None:
    """Unmasking is for the roles that may, and only with a reason (it goes to the access log)."""
    if unmask and caller.role not in MAY_UNMASK:
        raise ApiError(403, "may_not_unmask", f"role {caller.role} may not see personal data unmasked", field="unmask")
    if unmask and not (reason or "").strip():
        raise ApiError(422, "invalid_input", "reason: say why personal data is unmasked", field="reason")


def visible_case(conn: Connection, caller: Caller, ref: str) -> Case:
    """The case, if the caller's jurisdiction covers it; else the same 404 as a case that does not exist."""
    case = repo.find_case(conn, ref)
    if not caller.covers(case.area_code, case.org_code):
        raise CaseNotFound(f"no case {ref!r}", field="case")
    return case


def answerable_case(conn: Connection, caller: Caller, ref: str) -> Case:
    """The case, if the caller may record input on it: 404 if it may not see it, 403 if it may only see it."""
    case = visible_case(conn, caller, ref)
    why = caller.may_answer_for(org_code=case.org_code, sent_by=access.sender_of(conn, case.id))
    if why is not None:
        raise ApiError(403, "forbidden", f"case {case.case_no}: {why}", field="case")
    return case


def _case_out(row: queries.CaseRow) -> CaseOut:
    return CaseOut(case_id=row.id, **{k: v for k, v in vars(row).items() if k != "id"})


def jurisdiction(caller: Caller) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    return (None, ()) if caller.role is Role.ADMIN else (caller.areas, caller.orgs)


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
    with UnitOfWork(engine()) as uow:
        rows = queries.list_cases(uow.conn, where=where, limit=limit, offset=offset)
        total = queries.count_cases(uow.conn, where)
    items = [_case_out(r) for r in rows]
    return CasePage(items=items, limit=limit, offset=offset, total=total)


@router.get("/cases/{case_id}", response_model=CaseDetail, **allow(*EVERYONE, errors=(404,)))
def get_case(
    case_id: CaseRef,
    caller: CallerDep,
    unmask: UnmaskParam = False,
    reason: ReasonParam = None,
) -> CaseDetail:
    """案件 One case. Every read of its personal data, masked or not, goes to the access log."""
    check_unmasking(caller, unmask, reason)
    with UnitOfWork(engine()) as uow:
        case = visible_case(uow.conn, caller, case_id)
        ctx = load_context(uow.conn, case.id)
        people = queries.parties_of(uow.conn, case.id)
        row = queries.case_row(uow.conn, case.id)
        answer = awaited(ctx)
        parked = parking_of(uow.conn, case.id)
        action = "unmask" if unmask else "read_masked"
        access.log_access(
            uow.conn, caller, case_id=case.id, action=action, fields=PERSONAL_FIELDS, reason=reason or "view", at=now()
        )
        uow.commit()
    wait = pending_wait(ctx.case, ctx.path)
    upcoming = f"waiting:{wait.kind}" if wait else str(next_step(ctx.case, ctx.inputs, ctx.path).kind)
    names = tuple(p["name"] or "" for p in people)
    parties = [
        PartyOut(
            role=p["role"] or "",
            name=(p["name"] or "") if unmask else mask_name(p["name"]),
            id_number=(p["id_number"] or "") if unmask else mask_id_number(p["id_number"]),
            phone=(p["phone"] or "") if unmask else mask_phone(p["phone"]),
        )
        for p in people
    ]
    c = ctx.case
    return CaseDetail(
        **_case_out(row).model_dump(),
        summary=c.summary if unmask else mask_text(c.summary, names),
        people_involved=c.people_involved,
        path_step=c.path_step,
        attempt=c.attempt,
        handoff_target=c.handoff_target,
        config_version=c.config_version,
        duplicate_of=c.duplicate_of,
        next_step=upcoming,
        waiting_for=WaitingFor(input=str(answer.kind), attempt=answer.round) if answer else None,
        parties=parties,
        masked=not unmask,
        parked=ParkedOut.model_validate(parked) if parked else None,
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
    with UnitOfWork(engine()) as uow:
        case = visible_case(uow.conn, caller, case_id)
        rows = queries.timeline(uow.conn, case.id)
        names = tuple(p["name"] or "" for p in queries.parties_of(uow.conn, case.id))
        action = "unmask" if unmask else "read_masked"
        access.log_access(
            uow.conn, caller, case_id=case.id, action=action, fields=TIMELINE_FIELDS, reason=reason or "view", at=now()
        )
        uow.commit()
    if not unmask:
        rows = [replace(t, reason=mask_text(t.reason, names), note=mask_text(t.note, names)) for t in rows]
    return [TimelineEntry(**vars(t)) for t in rows]


def _recorded(rec: Recorded) -> InputRecorded:
    """What was stored, masked as the timeline shows it: an answer is no way round the access log."""
    i = rec.input
    return InputRecorded(
        case_id=rec.case.id,
        case_no=rec.case.case_no,
        kind=str(i.kind),
        round=i.round,
        value=mask_text(i.value),
        note=mask_text(i.note),
        actor=i.actor,
    )


def _record(
    caller: Caller, ref: str, kind: InputKind, value: str, note: str, attempt: int | None, wake: BackgroundTasks
) -> InputRecorded:
    with UnitOfWork(engine()) as uow:
        case = answerable_case(uow.conn, caller, ref)
    rec = record_input(case.case_no, kind, value, note=note, actor=caller.actor, attempt=attempt)
    wake.add_task(try_wake, case.id)
    return _recorded(rec)


@router.post(
    "/cases/{case_id}/outcome",
    response_model=InputRecorded,
    **allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_outcome(case_id: CaseRef, body: OutcomeIn, caller: CallerDep, wake: BackgroundTasks) -> InputRecorded:
    """调解结果 A mediation outcome: stored exactly once, then the case's flow resumes.

    The same outcome sent again gets the same answer; a case not waiting for one answers 409. With
    `attempt`, an outcome sent again after the case moved on gets its first answer, never a new round.
    """
    return _record(caller, case_id, InputKind.OUTCOME, body.result.value, body.note, body.attempt, wake)


@router.post(
    "/cases/{case_id}/handoff-result",
    response_model=InputRecorded,
    **allow(Role.INTEGRATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_handoff_result(
    case_id: CaseRef, body: HandoffResultIn, caller: CallerDep, wake: BackgroundTasks
) -> InputRecorded:
    """结果同悉 The receiving body's result for a handed-off case; the case then closes."""
    return _record(caller, case_id, InputKind.HANDOFF_RESULT, body.result, "", body.attempt, wake)


@router.post(
    "/cases/{case_id}/follow-up",
    response_model=FollowUpRecorded,
    **allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_follow_up(case_id: CaseRef, body: FollowUpIn, caller: CallerDep) -> FollowUpRecorded:
    """回访 A follow-up visit after an agreement: honoured or not, and the parties' satisfaction."""
    with UnitOfWork(engine()) as uow:
        case = answerable_case(uow.conn, caller, case_id)
    after, _ = record_follow_up(
        case.case_no,
        honoured=body.honoured,
        satisfaction=body.satisfaction,
        if_broken=body.if_broken,
        actor=caller.actor,
        attempt=body.attempt,
    )
    return FollowUpRecorded(case_id=after.id, case_no=after.case_no, status=after.status)
