"""A scripted answer, given as a mediator gives it: an agreement comes after the papers its network
requires (the completeness gate, 卷宗齐全), filed through the services a person's request uses.

A session record (调解笔录) of the sitting that reached it; the signed copy (签字盖章件) uploaded as
a one-page scan; an oral agreement recorded with its terms (口头调解协议登记). A network without the
gate is answered as before, by the outcome alone. No paper is printed here: nothing needs Chromium.
"""

from __future__ import annotations

import io
from functools import cache

from pypdf import PdfWriter

from fengqiao.models.agreements import AgreementTerms
from fengqiao.models.papers import ROLE_ZH
from fengqiao.models.session_records import SessionRecord
from fengqiao.models.vocabulary import AGREEMENTS, InputKind, Outcome
from fengqiao.services.agreements import record_agreement
from fengqiao.services.case_file_gate import AgreementFile, required_for
from fengqiao.services.documents import add_signed_copy
from fengqiao.services.human_input import record_input
from fengqiao.services.runtime import now
from fengqiao.services.session_records import record_session

SAID = "双方陈述事实，调解员释法说理并提出调解方案，双方自愿同意。The parties agreed to the proposal."
ORAL_TERMS = "双方当场达成口头协议，互不追究。The parties settled on the spot."


@cache
def signed_scan() -> bytes:
    """A blank A4 page standing for the scan of the signed and sealed agreement."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sitting(file: AgreementFile, actor: str) -> SessionRecord:
    """The sitting that reached the agreement: now, with the parties and the case's mediator."""
    people = tuple(f"{p.name}（{ROLE_ZH.get(p.role, p.role)}）" for p in file.parties if p.name)
    return SessionRecord(
        attempt=file.case.attempt,
        held_at=now(),
        place="调解室 mediation room",
        attendees=people or ("当事人 the parties",),
        mediators=(file.mediator or actor,),
        content=SAID,
        actor=actor,
    )


def file_papers(ref: str, outcome: str, *, actor: str) -> AgreementFile:
    """File what the case's network requires before this agreement (a session record, the signed
    copy); the oral agreement's register is recorded with the agreement itself (answer)."""
    file = required_for(ref, outcome)
    if "session_record" in file.required:
        record_session(ref, sitting(file, actor))
    if "signed_copy" in file.required:
        add_signed_copy(ref, signed_scan(), "调解协议书签字件.pdf", actor=actor)
    return file


def answer(ref: str, kind: InputKind, value: str, *, actor: str) -> None:
    """Record a scripted input; an agreement's required papers first, as a mediator files them."""
    if kind is not InputKind.OUTCOME or value not in AGREEMENTS:
        record_input(ref, kind, value, actor=actor)
        return
    file = file_papers(ref, value, actor=actor)
    if value == Outcome.ORAL_AGREEMENT and "oral_agreement" in file.required:
        record_agreement(ref, AgreementTerms(file.case.attempt, True, ORAL_TERMS, "当场履行 on the spot"), actor=actor)
        return
    record_input(ref, kind, value, actor=actor)
