"""The agreement (调解协议) through the API: the outcome with its terms as data, in one request.

Its amount, manner and deadline of performance are kept beside the outcome; the follow-up visit
falls due from the deadline. A bare `POST …/outcome` still records an agreement without terms.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import APIRouter, BackgroundTasks
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from fengqiao.api.auth import CallerDep, IdempotencyKey, allow, scoped
from fengqiao.api.cases import CaseRef, answerable_case
from fengqiao.api.schemas import Attempt, LineText, NoteText
from fengqiao.models.access import Role
from fengqiao.models.agreements import MANNER_CHARS, AgreementTerms
from fengqiao.models.text import NOTE_CHARS
from fengqiao.runs.launch import try_wake
from fengqiao.services import case_reads
from fengqiao.services.agreements import record_agreement
from fengqiao.services.documents import agreement_to_sign_pdf

router = APIRouter(tags=["paperwork 文书"])


class AgreementIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "terms": "李四于2026年12月31日前支付张三维修费800元。",
                    "amount": "800.00",
                    "perform_by": "2026-12-31",
                    "manner": "银行转账",
                }
            ]
        },
    )
    oral: bool = Field(default=False, description="an oral agreement (口头协议, Art. 30) rather than a written one")
    terms: NoteText = Field(min_length=1, max_length=NOTE_CHARS, description="the agreed terms as written")
    amount: Decimal | None = Field(default=None, ge=0, lt=Decimal("1e12"), decimal_places=2, description="yuan")
    perform_by: date | None = Field(default=None, description="the performance deadline (China-time day)")
    manner: LineText = Field(min_length=1, max_length=MANNER_CHARS, description="how it is to be performed")
    attempt: Attempt = None


class AgreementOut(BaseModel):
    case_id: int
    case_no: str
    outcome: str
    attempt: int
    terms: str | None = Field(description="masked as the timeline shows a note; none if recorded without terms")
    amount: Decimal | None
    perform_by: date | None
    manner: str | None
    actor: str
    created: bool


@router.post(
    "/cases/{case_id}/agreement",
    response_model=AgreementOut,
    **allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_agreement(
    case_id: CaseRef,
    body: AgreementIn,
    caller: CallerDep,
    wake: BackgroundTasks,
    idempotency_key: IdempotencyKey = None,
) -> AgreementOut:
    """调解协议 The attempt's agreement with its terms: stored once as the outcome, then the case's flow resumes."""
    case = answerable_case(caller, case_id)
    sent = AgreementTerms(0, body.oral, body.terms, body.manner, body.amount, body.perform_by)
    rec, kept = record_agreement(
        case.case_no, sent, actor=caller.actor, attempt=body.attempt, idempotency_key=scoped(caller, idempotency_key)
    )
    wake.add_task(try_wake, case.id)
    return AgreementOut(
        case_id=rec.case.id,
        case_no=rec.case.case_no,
        outcome=rec.input.value,
        attempt=rec.input.round,
        terms=case_reads.masked_as_timeline(rec.case.id, kept.terms)[0] if kept else None,
        amount=kept.amount if kept else None,
        perform_by=kept.perform_by if kept else None,
        manner=kept.manner if kept else None,
        actor=rec.input.actor,
        created=rec.created,
    )


@router.post(
    "/cases/{case_id}/agreement/to-sign",
    response_class=Response,
    **allow(Role.MEDIATOR, Role.COORDINATOR, errors=(404, 409)),
)
def post_agreement_to_sign(case_id: CaseRef, body: AgreementIn, caller: CallerDep) -> Response:
    """协议书待签 The agreement of the attempt under way with these terms, printed for the parties to
    sign before it is recorded: upload the signed copy, then record the agreement with the same terms
    (the paper fengqiao keeps then says the same, dated). Nothing is stored; the read is access-logged.
    A case not waiting for an outcome is 409 not_waiting_for_input."""
    case = answerable_case(caller, case_id)
    sent = AgreementTerms(0, body.oral, body.terms, body.manner, body.amount, body.perform_by)
    pdf = agreement_to_sign_pdf(case.case_no, sent, caller, attempt=body.attempt)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": "inline"})
