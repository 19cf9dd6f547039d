"""A case's documents: the papers made from its record (PDFs printed by Chromium), kept immutably.

make_papers() reads the record in one transaction, works out each paper's data (models.papers),
prints only those whose data differs from their latest version, and stores them as new versions
with their sha256 and that data. So asking again changes nothing until the record does; a paper
is never rewritten, only followed by a newer version.

A document holds personal data whole: its content is read one at a time, by a role that may see
personal data unmasked, with a reason, and every read is access-logged.
"""

from __future__ import annotations

import io
from dataclasses import replace
from functools import cache

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from fengqiao.db import agreements as agreement_store
from fengqiao.db import cases as case_store
from fengqiao.db import documents as document_store
from fengqiao.db import inputs as input_store
from fengqiao.db import queries
from fengqiao.db import session_records as session_store
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.aftercare import aftercare_of
from fengqiao.models.agreements import AgreementTerms, checked_terms
from fengqiao.models.case import Case
from fengqiao.models.case_file_rules import signed_copy_attempt
from fengqiao.models.errors import InvalidInput, NotWaitingForInput
from fengqiao.models.network import LegalBodies, Network
from fengqiao.models.papers import CaseRecord, Paper, PaperKind, StoredPaper, agreement_to_sign, papers_of
from fengqiao.models.transitions import Transition
from fengqiao.models.uploads import media_type_of
from fengqiao.models.vocabulary import AGREEMENTS, InputKind, Level, Stage
from fengqiao.services.case_reads import log_read, visible_in
from fengqiao.services.context import configuration, load_context
from fengqiao.services.human_input import awaited
from fengqiao.services.printing import TEMPLATES, print_pdf
from fengqiao.services.runtime import engine, now

PDF = "application/pdf"
MADE_BY = "fengqiao:papers"
CONTENT_FIELDS = ["documents.content"]
COMMITTEE = "人民调解委员会"


@cache
def templates() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def render_paper(paper: Paper) -> str:
    return templates().get_template("paper.html").render(p=paper.data)


def _held(network: Network, case: Case, timeline: list[Transition]) -> tuple[str | None, list[str]]:
    """(the organisation that holds or last held the case, if any; every one it was assigned to)."""
    assigned = [t.org for t in timeline if t.stage is Stage.ASSIGNMENT and t.org in network.organisations]
    held = case.org_code if case.org_code in network.organisations else (assigned[-1] if assigned else None)
    return held, [a for a in assigned if a is not None]


def committees_of(network: Network, case: Case, timeline: list[Transition]) -> tuple[str, str, str]:
    """(the committee that holds or last held the case, the one that accepted it, its district's name);
    before any assignment both are the committee of the case's district."""
    held, assigned = _held(network, case, timeline)
    districts = [
        o
        for o in network.organisations.values()
        if o.level is Level.DISTRICT and case.area_code.startswith(o.area_code or "-")
    ]
    local = districts[0].name if districts else ""
    name = network.organisations[held].name if held else local
    accepted = network.organisations[assigned[0]].name if assigned else local
    return name, accepted, local.removesuffix(COMMITTEE)


def bodies_of(network: Network, case: Case, district: str) -> LegalBodies:
    """The bodies the network names for the case's area; a configuration stored before it named
    them (no legal_bodies) falls back to the district's own by name (LegalBodies.named_after)."""
    return network.bodies_for(case.area_code) or LegalBodies.named_after(case.area_code, district)


def case_record(conn: Connection, case: Case) -> CaseRecord:
    ctx = load_context(conn, case.id)
    network, _ = configuration(conn, case.config_version)
    timeline = queries.timeline(conn, case.id)
    committee, accepted, district = committees_of(network, case, timeline)
    held, _ = _held(network, case, timeline)
    mediator = next((m.name for m in network.mediators if m.code == case.mediator), None)
    terms = {r: t for (_, r) in ctx.inputs if (t := agreement_store.terms_of(conn, case.id, r)) is not None}
    return CaseRecord(
        case=ctx.case,
        committee=committee,
        accepted_by=accepted,
        district=district,
        bodies=bodies_of(network, case, district),
        seal=network.organisations[held].seal if held else None,
        mediator=mediator,
        parties=case_store.parties_of_case(conn, case.id),
        timeline=tuple(timeline),
        inputs=ctx.inputs,
        sessions=tuple(session_store.sessions_of(conn, case.id)),
        terms=terms,
        experts={e.code: e.name for e in network.experts},
        mediators={m.code: m.name for m in network.mediators},
        aftercare=aftercare_of(timeline, network.aftercare, agreement_store.terms_of(conn, case.id, case.attempt)),
    )


def make_papers(ref: str) -> list[StoredPaper]:
    """Bring the case's papers up to date; the versions made now (none if the record did not change)."""
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, ref)
        latest = document_store.latest_data(uow.conn, case.id)
        changed = [
            p for p in papers_of(case_record(uow.conn, case)) if latest.get((p.kind, p.subject), (0, None))[1] != p.data
        ]
    printed = [(p, print_pdf(render_paper(p), what=f"{p.kind} of case {case.case_no}")) for p in changed]
    made = []
    with UnitOfWork(engine()) as uow:
        for paper, pdf in printed:
            kind, subject = str(paper.kind), paper.subject
            if document_store.latest_data(uow.conn, case.id).get((kind, subject), (0, None))[1] == paper.data:
                continue  # another request made the same version meanwhile
            made.append(
                document_store.add_document(
                    uow.conn,
                    case.id,
                    kind=kind,
                    subject=subject,
                    origin="generated",
                    media_type=PDF,
                    content=pdf,
                    data=paper.data,
                    actor=MADE_BY,
                    at=now(),
                )
            )
        uow.commit()
    return made


def list_documents(ref: str, caller: Caller | None = None) -> tuple[Case, list[StoredPaper]]:
    """Every version of every document of a case the caller sees, its papers brought up to date first."""
    with UnitOfWork(engine()) as uow:
        case = visible_in(uow.conn, caller, ref)
    make_papers(case.case_no)
    with UnitOfWork(engine()) as uow:
        return case, document_store.documents_of(uow.conn, case.id)


def read_document(
    ref: str, document_id: int, caller: Caller | None = None, *, reason: str | None = None
) -> tuple[StoredPaper, bytes]:
    """One document's content; a key's read is logged as an unmasking, with its reason."""
    with UnitOfWork(engine()) as uow:
        case = visible_in(uow.conn, caller, ref)
        found = document_store.document_content(uow.conn, case.id, document_id)
        log_read(uow.conn, caller, case.id, CONTENT_FIELDS, True, reason)
        uow.commit()
    return found


def readable_pdf(content: bytes) -> int:
    """Its pages, if the PDF can be read (the case file joins it); else InvalidInput naming the file."""
    try:
        return len(PdfReader(io.BytesIO(content)).pages)
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"PDF无法读取 the PDF cannot be read: {type(exc).__name__}", field="file") from None


def add_signed_copy(ref: str, content: bytes, filename: str, *, actor: str, attempt: int | None = None) -> StoredPaper:
    """A signed (and sealed) copy of the agreement, uploaded: kept as it came, with its sha256, as the
    next version of the attempt's signed copy. Its type is judged by its content (models.uploads)."""
    media_type = media_type_of(content, filename)
    if media_type == PDF:
        readable_pdf(content)
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, ref)
        inputs = input_store.get_inputs(uow.conn, case.id)
        agreed = [n for (kind, n), i in inputs.items() if kind is InputKind.OUTCOME and i.value in AGREEMENTS]
        attempt = signed_copy_attempt(case.case_no, case.status, case.attempt, attempt, agreed)
        data = {"filename": filename, "uploaded_by": actor}
        stored = document_store.add_document(
            uow.conn,
            case.id,
            kind=str(PaperKind.SIGNED_COPY),
            subject=f"attempt:{attempt}",
            origin="uploaded",
            media_type=media_type,
            content=content,
            data=data,
            actor=actor,
            at=now(),
        )
        uow.commit()
    return stored


SIGNING_FIELDS = ["parties.name", "parties.id_number", "parties.phone", "summary"]
TO_SIGN = "调解协议书待签 the agreement printed for the parties to sign"


def agreement_to_sign_pdf(
    ref: str, terms: AgreementTerms, caller: Caller | None = None, *, attempt: int | None = None
) -> bytes:
    """The agreement of the attempt under way with these terms, printed for the parties to sign
    before it is recorded (the completeness gate asks for the signed copy first). Nothing is
    stored but the access-log row: the parties' data is on it whole, read for this reason."""
    with UnitOfWork(engine()) as uow:
        case = visible_in(uow.conn, caller, ref)
        checked_terms(case.case_no, terms)
        ctx = load_context(uow.conn, case.id)
        wait = awaited(ctx)
        if (
            wait is None
            or wait.kind is not InputKind.OUTCOME
            or (InputKind.OUTCOME, wait.round) in ctx.inputs
            or attempt not in (None, wait.round)
        ):
            raise NotWaitingForInput(
                f"没有待签的调解协议 case {case.case_no} has no attempt under way waiting for its outcome",
                field="case",
            )
        record = case_record(uow.conn, case)
        log_read(uow.conn, caller, case.id, SIGNING_FIELDS, True, TO_SIGN)
        uow.commit()
    paper = agreement_to_sign(record, replace(terms, attempt=case.attempt))
    return print_pdf(render_paper(paper), what=f"the agreement of case {case.case_no} to sign")
