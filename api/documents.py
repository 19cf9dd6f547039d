"""A case's documents through the API: the list (its papers brought up to date first), one document's
content, and the upload of a signed copy (multipart: PDF, JPEG or PNG, judged by content; a size limit).

A document shows personal data whole, so its content is for the roles that may unmask, asked with
`unmask=true` and a reason, and every read is access-logged. The list carries no personal data.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from fengqiao.api.auth import CallerDep, allow
from fengqiao.api.cases import EVERYONE, CaseRef, ReasonParam, UnmaskParam, answerable_case, check_unmasking
from fengqiao.api.errors import ApiError, ErrorBody
from fengqiao.models.access import Role
from fengqiao.models.papers import StoredPaper
from fengqiao.models.uploads import UnsupportedUpload
from fengqiao.services.case_file import case_file_pdf
from fengqiao.services.case_reads import visible_case
from fengqiao.services.documents import add_signed_copy, list_documents, read_document

router = APIRouter(tags=["paperwork 文书"])
# the request guard lets these bodies be binary and larger (FENGQIAO_DOCUMENT_MAX_BYTES): the API's upload
# and the mediator's case page's (dashboard/mediators.py), whose form carries the same file
UPLOAD_PATH = re.compile(r"^/(?:api/v1|dashboard/my)/cases/[^/]+/documents$")


class DocumentOut(BaseModel):
    document_id: int
    kind: str
    title: str = Field(examples=["人民调解协议书 People's Mediation Agreement"])
    subject: str = Field(description='which one of its kind: "case", "session:2", "attempt:1"')
    version: int
    origin: str = Field(description="generated (from the record) or uploaded (a signed copy)")
    media_type: str
    size: int
    sha256: str
    actor: str
    created_at: datetime
    href: str


def _out(case_id: str, d: StoredPaper) -> DocumentOut:
    return DocumentOut(
        document_id=d.id,
        kind=str(d.kind),
        title=d.title,
        subject=d.subject,
        version=d.version,
        origin=d.origin,
        media_type=d.media_type,
        size=d.size,
        sha256=d.sha256,
        actor=d.actor,
        created_at=d.created_at,
        href=f"/api/v1/cases/{case_id}/documents/{d.id}",
    )


@router.get("/cases/{case_id}/documents", response_model=list[DocumentOut], **allow(*EVERYONE, errors=(404,)))
def get_documents(case_id: CaseRef, caller: CallerDep) -> list[DocumentOut]:
    """文书 Every version of every document of the case, oldest first (papers whose record changed made anew first)."""
    case, found = list_documents(case_id, caller)
    return [_out(case.case_no, d) for d in found]


READERS = allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404,))
READERS["responses"][200] = {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}


@router.get("/cases/{case_id}/documents/{document_id}", response_class=Response, **READERS)
def get_document(
    case_id: CaseRef, document_id: int, caller: CallerDep, unmask: UnmaskParam = False, reason: ReasonParam = None
) -> Response:
    """文书 One document as stored (it shows personal data whole): ask with unmask=true and a reason; logged."""
    if not unmask:
        raise ApiError(
            422,
            "invalid_input",
            "unmask: 文书含完整个人信息，须 unmask=true a document shows personal data whole: ask with unmask=true",
            field="unmask",
        )
    check_unmasking(caller, unmask, reason)
    stored, content = read_document(case_id, document_id, caller, reason=reason)
    name = f"{stored.kind}-{stored.subject.replace(':', '-')}-v{stored.version}"
    return Response(content, media_type=stored.media_type, headers={"Content-Disposition": f"inline; filename={name}"})


UPLOADERS = allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404, 409))
UPLOADERS["responses"][415] = {"model": ErrorBody, "description": "not a PDF, JPEG or PNG by its content"}


@router.post("/cases/{case_id}/documents", response_model=DocumentOut, status_code=201, **UPLOADERS)
async def post_document(
    case_id: CaseRef,
    caller: CallerDep,
    file: Annotated[UploadFile, File(description="the signed copy: a PDF, JPEG or PNG (judged by its content)")],
    attempt: Annotated[
        int | None, Form(ge=1, description="the attempt whose agreement it is (default: the current)")
    ] = None,
) -> DocumentOut:
    """签字协议 Upload the signed and sealed copy of the agreement: kept as it came, with its sha256, a new version."""
    case = answerable_case(caller, case_id)
    content = await file.read()
    try:
        stored = add_signed_copy(case.case_no, content, file.filename or "", actor=caller.actor, attempt=attempt)
    except UnsupportedUpload as exc:
        raise ApiError(415, exc.code, exc.message, field=exc.field) from None
    return _out(case.case_no, stored)


FILE_READERS = allow(*EVERYONE, errors=(404,))
FILE_READERS["responses"][200] = {"content": {"application/pdf": {}}}


@router.get("/cases/{case_id}/case-file", response_class=Response, **FILE_READERS)
def get_case_file(
    case_id: CaseRef, caller: CallerDep, unmask: UnmaskParam = False, reason: ReasonParam = None
) -> Response:
    """卷宗 The case file: cover, index and every paper. Masked (papers reprinted with personal data
    masked, signed copies withheld) unless unmasked by a role that may, with a reason; logged."""
    check_unmasking(caller, unmask, reason)
    case = visible_case(caller, case_id)
    pdf = case_file_pdf(case.case_no, caller, unmask=unmask, reason=reason)
    name = f"{case.case_no}-case-file{'' if unmask else '-masked'}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"})
