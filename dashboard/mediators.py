"""A mediator's own pages: the worklist, and on each case of theirs the paperwork of the attempt —
record a session, record the outcome or the agreement with its terms, upload the signed copy,
download the papers and the case file. Signed in with a mediator's key (named by its code).

Everything goes through the same services as the API; a refusal is shown on the case's page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fengqiao.dashboard.site import (
    FORM_TOKEN,
    MEDIATORS,
    Refused,
    check_form_token,
    from_this_site,
    page,
    posted_form,
    viewer,
)
from fengqiao.models.access import Caller
from fengqiao.models.agreements import AgreementTerms
from fengqiao.models.clocks import CST
from fengqiao.models.errors import FengqiaoError, InvalidInput
from fengqiao.models.session_records import SessionRecord
from fengqiao.models.vocabulary import InputKind, Outcome
from fengqiao.runs.launch import try_wake
from fengqiao.services.agreements import record_agreement
from fengqiao.services.case_file import case_file_pdf
from fengqiao.services.case_reads import case_to_answer, read_case
from fengqiao.services.documents import add_signed_copy, agreement_to_sign_pdf, list_documents, read_document
from fengqiao.services.human_input import Recorded, record_input
from fengqiao.services.session_records import read_sessions, record_session
from fengqiao.services.worklist import worklist

router = APIRouter(prefix="/dashboard/my", include_in_schema=False)
DOWNLOAD_REASON = "调解员下载 the mediator's download (dashboard)"
EXITS = (Outcome.FAILED, Outcome.REFUSED, Outcome.WITHDRAWN)


def _mediator(request: Request) -> Caller:
    return viewer(request, MEDIATORS)


def _own(caller: Caller, ref: str) -> str:
    """The case's number, if it is the mediator's to act on (else the refusal page)."""
    case, why = case_to_answer(caller, ref)
    if why is not None:
        raise Refused(403, f"case {case.case_no}: {why}")
    return case.case_no


@router.get("", response_class=HTMLResponse)
def my_cases(request: Request) -> Any:
    caller = _mediator(request)
    return page(request, "my_cases.html", caller, items=worklist(caller))


@router.get("/cases/{ref}", response_class=HTMLResponse)
def my_case(request: Request, ref: str, error: str | None = None) -> Any:
    caller = _mediator(request)
    case_no = _own(caller, ref)
    read = read_case(case_no, caller)
    _, sessions = read_sessions(case_no, caller)
    _, papers = list_documents(case_no, caller)
    latest = list({(d.kind, d.subject): d for d in papers}.values())
    return page(
        request, "my_case.html", caller, read=read, sessions=sessions, papers=latest, error=(error or "")[:300], cst=CST
    )


async def _posted(request: Request, ref: str) -> tuple[Caller, dict[str, str], str]:
    """A form posted on a case's page: its mediator, the form (this site's, with the session's token)
    and the case's number, if the case is the mediator's to act on; checked in that order."""
    caller = _mediator(request)
    form = await posted_form(request)
    return caller, form, _own(caller, ref)


def _back(case_no: str, error: FengqiaoError | None = None) -> Response:
    where = f"/dashboard/my/cases/{case_no}" + (f"?error={quote(error.message[:300])}" if error else "")
    return RedirectResponse(where, status_code=303)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.replace("、", "\n").splitlines() if line.strip())


@router.post("/cases/{ref}/sessions")
async def post_session(request: Request, ref: str) -> Response:
    caller, form, case_no = await _posted(request, ref)
    try:
        held = datetime.fromisoformat(form.get("held_at", "")).replace(tzinfo=CST)  # a local time picker: China time
    except ValueError:
        return _back(case_no, InvalidInput("须填写调解时间 give the time the session was held", field="held_at"))
    try:
        current = read_case(case_no, caller).case.attempt
        record = SessionRecord(
            current,
            held,
            form.get("place", ""),
            _lines(form.get("attendees", "")),
            _lines(form.get("mediators", "")),
            form.get("content", ""),
            caller.actor,
        )
        record_session(case_no, record)
    except FengqiaoError as exc:
        return _back(case_no, exc)
    return _back(case_no)


async def _answered(case_no: str, record: Callable[[], Recorded]) -> Response:
    """Store the answer, then wake the case's flow from a thread (Prefect's client is not called on the loop)."""
    try:
        rec = record()
    except FengqiaoError as exc:
        return _back(case_no, exc)
    await run_in_threadpool(try_wake, rec.case.id)
    return _back(case_no)


def _terms(form: dict[str, str]) -> AgreementTerms:
    try:
        amount = Decimal(form["amount"]) if form.get("amount") else None
        deadline = date.fromisoformat(form["perform_by"]) if form.get("perform_by") else None
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            "金额以元计，日期写作 YYYY-MM-DD an amount in yuan and a day as YYYY-MM-DD", field="amount"
        ) from None
    return AgreementTerms(0, form.get("oral") == "on", form.get("terms", ""), form.get("manner", ""), amount, deadline)


@router.post("/cases/{ref}/agreement")
async def post_agreement(request: Request, ref: str) -> Response:
    caller, form, case_no = await _posted(request, ref)
    try:
        terms = _terms(form)
    except InvalidInput as exc:
        return _back(case_no, exc)
    return await _answered(case_no, lambda: record_agreement(case_no, terms, actor=caller.actor)[0])


@router.post("/cases/{ref}/agreement/to-sign")
async def post_agreement_to_sign(request: Request, ref: str) -> Response:
    """The agreement form's terms printed for the parties to sign, before it is recorded."""
    caller, form, case_no = await _posted(request, ref)
    try:
        pdf = await run_in_threadpool(agreement_to_sign_pdf, case_no, _terms(form), caller)
    except FengqiaoError as exc:
        return _back(case_no, exc)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": "inline"})


@router.post("/cases/{ref}/outcome")
async def post_outcome(request: Request, ref: str) -> Response:
    caller, form, case_no = await _posted(request, ref)
    result = form.get("result", "")
    if result not in EXITS:
        return _back(case_no, InvalidInput(f"取值不在允许范围 one of {', '.join(EXITS)}", field="result"))
    note = form.get("note", "")
    return await _answered(
        case_no, lambda: record_input(case_no, InputKind.OUTCOME, result, note=note, actor=caller.actor)
    )


@router.post("/cases/{ref}/documents")
async def post_signed_copy(request: Request, ref: str) -> Response:
    """The signed copy, as a multipart form: the same origin and token checks as every form."""
    caller = _mediator(request)
    from_this_site(request)
    form = await request.form()
    check_form_token(request, str(form.get(FORM_TOKEN, "")))
    case_no = _own(caller, ref)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _back(case_no, InvalidInput("请选择已签字的协议文件 choose the file of the signed copy", field="file"))
    try:
        add_signed_copy(case_no, await upload.read(), upload.filename or "", actor=caller.actor)
    except FengqiaoError as exc:
        return _back(case_no, exc)
    case = read_case(case_no, caller).case
    await run_in_threadpool(try_wake, case.id)  # an agreement waiting for its papers may go on
    return _back(case_no)


@router.get("/cases/{ref}/documents/{document_id}")
def download(request: Request, ref: str, document_id: int) -> Response:
    caller = _mediator(request)
    case_no = _own(caller, ref)
    stored, content = read_document(case_no, document_id, caller, reason=DOWNLOAD_REASON)
    name = f"{case_no}-{stored.kind}-{stored.subject.replace(':', '')}-v{stored.version}"
    return Response(
        content, media_type=stored.media_type, headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@router.get("/cases/{ref}/case-file")
def case_file(request: Request, ref: str) -> Response:
    caller = _mediator(request)
    case_no = _own(caller, ref)
    pdf = case_file_pdf(case_no, caller, unmask=True, reason=DOWNLOAD_REASON)
    headers = {"Content-Disposition": f"attachment; filename={case_no}-case-file.pdf"}
    return Response(pdf, media_type="application/pdf", headers=headers)
