"""Reading cases for a caller: the list in its jurisdiction, one case and its timeline as people may
see them (personal data masked unless unmasked), and the case a caller may act on.

Every read of a case's personal data by a key, masked or not, writes its access-log row in the
read's own transaction; the operator's CLI (no caller) reads masked and writes none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from fengqiao.db import access, flow_runs, queries
from fengqiao.db import cases as case_store
from fengqiao.db.parking import parking_of
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.case import Case, Step, Wait
from fengqiao.models.clocks import Clock
from fengqiao.models.errors import CaseNotFound
from fengqiao.models.parking import Parked
from fengqiao.models.privacy import mask_id_number, mask_name, mask_phone, mask_text
from fengqiao.models.transitions import Transition
from fengqiao.services.runtime import engine, now

# A case's context, its clock and the answer it waits for are imported by the reads that use them:
# the list of cases (`fengqiao cases`, the API's list) loads neither the calendar nor the answers' rules.

PERSONAL_FIELDS = ["parties.name", "parties.id_number", "parties.phone", "summary"]
TIMELINE_FIELDS = ["transitions.reason", "transitions.note"]  # free text people wrote on the case's moves


@dataclass(frozen=True)
class CaseList:
    rows: list[queries.CaseRow]
    total: int


@dataclass(frozen=True)
class CaseRead:
    """One case as its reader may see it: summary and parties masked unless unmasked."""

    case: Case
    row: queries.CaseRow  # the list's columns, with the flow run
    summary: str
    parties: list[dict[str, str]]  # role, name, id_number, phone
    next: Step  # models.case.next_step
    waiting: Wait | None  # the answer it waits for, and its round (models.answers.waiting_for)
    parked: Parked | None
    flow_run_open: bool
    duplicate_of: str | None  # the case number of the open case it repeats
    runs: list[flow_runs.CaseRun]  # every flow run recorded for it, oldest first


@dataclass(frozen=True)
class Route:
    """Where a case went, for the operator's own tables (the demo, the benchmark): no personal data."""

    case: Case
    timeline: list[Transition]
    levels: list[str]  # the level of each organisation it was assigned to, in order


@dataclass(frozen=True)
class CaseFile:
    """What a coordinator's case page shows beside the case: its clock, linked reports, documents."""

    clock: Clock | None
    duplicates: list[dict[str, Any]]  # only those the caller may see
    documents: list[dict[str, Any]]


def list_cases(where: queries.CaseFilter, *, limit: int, offset: int = 0) -> CaseList:
    """Newest first; the filter carries the caller's jurisdiction (within_areas, within_orgs)."""
    with UnitOfWork(engine()) as uow:
        rows = queries.list_cases(uow.conn, where=where, limit=limit, offset=offset)
        return CaseList(rows, queries.count_cases(uow.conn, where))


def visible_in(conn: Connection, caller: Caller | None, ref: str) -> Case:
    """The case, if the caller's jurisdiction covers it; else the same CaseNotFound as a case that does not exist."""
    case = case_store.find_case(conn, ref)
    if caller is not None and not caller.covers(case.area_code, case.org_code):
        raise CaseNotFound(f"没有案件 no case {ref!r}", field="case")
    return case


def visible_case(caller: Caller, ref: str) -> Case:
    with UnitOfWork(engine()) as uow:
        return visible_in(uow.conn, caller, ref)


def case_to_answer(caller: Caller, ref: str) -> tuple[Case, str | None]:
    """The case the caller sees, and why it may not record input on it (None: it may)."""
    with UnitOfWork(engine()) as uow:
        case = visible_in(uow.conn, caller, ref)
        return case, caller.may_answer_for(org_code=case.org_code, sent_by=access.sender_of(uow.conn, case.id))


def log_read(
    conn: Connection, caller: Caller | None, case_id: int, fields: list[str], unmask: bool, reason: str | None
) -> None:
    if caller is not None:
        action = "unmask" if unmask else "read_masked"
        access.log_access(
            conn, caller, case_id=case_id, action=action, fields=fields, reason=reason or "view", at=now()
        )


def party_names(conn: Connection, case_id: int) -> tuple[str, ...]:
    return tuple(p["name"] or "" for p in queries.parties_of(conn, case_id))


def masked_as_timeline(case_id: int, *texts: str) -> list[str]:
    """What a person wrote about a case, masked as its timeline shows it, the parties' names too: an
    answer's response is no way round the timeline's masking."""
    with UnitOfWork(engine()) as uow:
        names = party_names(uow.conn, case_id)
    return [mask_text(t, names) for t in texts]


def read_case(ref: str, caller: Caller | None = None, *, unmask: bool = False, reason: str | None = None) -> CaseRead:
    """One case for a caller (None: the operator's CLI); the edge checks that the caller may unmask, and why."""
    from fengqiao.services.context import load_context
    from fengqiao.services.human_input import awaited

    with UnitOfWork(engine()) as uow:
        case = visible_in(uow.conn, caller, ref)
        ctx = load_context(uow.conn, case.id)
        people = queries.parties_of(uow.conn, case.id)
        names = tuple(p["name"] or "" for p in people)
        original = case_store.get_case(uow.conn, case.duplicate_of).case_no if case.duplicate_of else None
        read = CaseRead(
            case=ctx.case,
            row=queries.case_row(uow.conn, case.id),
            summary=ctx.case.summary if unmask else mask_text(ctx.case.summary, names),
            parties=[
                {
                    "role": p["role"] or "",
                    "name": (p["name"] or "") if unmask else mask_name(p["name"]),
                    "id_number": (p["id_number"] or "") if unmask else mask_id_number(p["id_number"]),
                    "phone": (p["phone"] or "") if unmask else mask_phone(p["phone"]),
                }
                for p in people
            ],
            next=ctx.next_step,
            waiting=awaited(ctx),
            parked=parking_of(uow.conn, case.id),
            flow_run_open=flow_runs.case_flow_run(uow.conn, case.id)[1],
            duplicate_of=original,
            runs=flow_runs.runs_of(uow.conn, case.id),
        )
        log_read(uow.conn, caller, case.id, PERSONAL_FIELDS, unmask, reason)
        uow.commit()
    return read


def read_timeline(
    ref: str, caller: Caller | None = None, *, unmask: bool = False, reason: str | None = None
) -> list[Transition]:
    """Every transition of the case, in order; the reasons and notes people wrote masked unless unmasked."""
    with UnitOfWork(engine()) as uow:
        case = visible_in(uow.conn, caller, ref)
        rows = queries.timeline(uow.conn, case.id)
        names = party_names(uow.conn, case.id)
        log_read(uow.conn, caller, case.id, TIMELINE_FIELDS, unmask, reason)
        uow.commit()
    if unmask:
        return rows
    return [replace(t, reason=mask_text(t.reason, names), note=mask_text(t.note, names)) for t in rows]


def case_file(caller: Caller, case_id: int) -> CaseFile:
    from fengqiao.services.due_dates import clock_for

    with UnitOfWork(engine()) as uow:
        case = case_store.get_case(uow.conn, case_id)
        duplicates = [  # a linked report is listed only when the key may see it too
            d
            for d in queries.duplicates_of(uow.conn, case.id, case.duplicate_of)
            if caller.covers(d["area_code"], d["org_code"])
        ]
        return CaseFile(clock_for(uow.conn, case), duplicates, queries.documents_of(uow.conn, case.id))


def case_route(case_id: int) -> Route:
    with UnitOfWork(engine()) as uow:
        case = case_store.get_case(uow.conn, case_id)
        timeline = queries.timeline(uow.conn, case_id)
        orgs = [t.org for t in timeline if t.stage == "assignment" and t.org]
        return Route(case, timeline, [str(level) for level in queries.levels_of(uow.conn, orgs)])
