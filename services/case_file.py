"""The case file (卷宗): one PDF with a cover, the index (卷内目录) in the standard order, and every paper.

Unmasked (a role that may, with a reason, logged), it joins the stored PDFs as they are, the
latest version of each, and the signed copies (an image is printed on a page of its own), so each
part's sha256 can be checked against the document list. Masked, for everyone else who sees the
case, the cover masks the parties, the papers are printed again from the data they were made from
with personal data masked, and the signed copies are listed as withheld.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader, PdfWriter

from fengqiao.db import cases as case_store
from fengqiao.db import documents as document_store
from fengqiao.db import queries
from fengqiao.db import session_records as session_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.names import dispute_type
from fengqiao.models.papers import ORDER, ROLE_ZH, StoredPaper, day
from fengqiao.models.privacy import mask_name, mask_text
from fengqiao.models.session_records import attendee_names
from fengqiao.models.times import shown
from fengqiao.models.vocabulary import Stage
from fengqiao.services.case_reads import log_read, party_names, visible_in
from fengqiao.services.context import configuration
from fengqiao.services.documents import committees_of, make_papers, templates
from fengqiao.services.printing import print_pdf
from fengqiao.services.runtime import engine, now

CASE_FILE_FIELDS = ["documents.content", "parties.name"]


@dataclass
class Entry:
    title: str
    version: int
    pages: int | None = None  # known when the stored PDFs are joined
    first_page: int | None = None
    withheld: bool = False  # a signed copy, left out of a masked case file


def _masked(value: Any, names: tuple[str, ...]) -> Any:
    """A paper's data with every name of the parties and attendees, ID number and phone masked
    (a seal's image is no one's data, and its base64 is not text to mask)."""
    if isinstance(value, str):
        return mask_text(value, names)
    if isinstance(value, list):
        return [_masked(v, names) for v in value]
    if isinstance(value, dict):
        return {k: v if k == "image" else _masked(v, names) for k, v in value.items()}
    return value


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _image_page(content: bytes, media_type: str, title: str) -> bytes:
    src = f"data:{media_type};base64,{base64.b64encode(content).decode()}"
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>@page{size:A4;margin:12mm}'
        "img{max-width:100%;max-height:260mm;display:block;margin:auto}</style></head>"
        f'<body><img src="{src}" alt="{title}"></body></html>'
    )
    return print_pdf(html, what="a signed copy's page")


def case_file_pdf(ref: str, caller: Caller | None = None, *, unmask: bool, reason: str | None = None) -> bytes:
    """The case file for this reader (caller None: the operator's command line, unmasked as asked, not logged)."""
    with UnitOfWork(engine()) as uow:
        case = visible_in(uow.conn, caller, ref)
    make_papers(case.case_no)
    with UnitOfWork(engine()) as uow:
        listed = document_store.documents_of(uow.conn, case.id)
        latest: dict[tuple[str, str], StoredPaper] = {(d.kind, d.subject): d for d in listed}
        chosen = sorted(latest.values(), key=lambda d: (ORDER.index(d.kind), d.subject))
        contents = {d.id: document_store.document_content(uow.conn, case.id, d.id)[1] for d in chosen} if unmask else {}
        data = document_store.latest_data(uow.conn, case.id)
        names = party_names(uow.conn, case.id) + attendee_names(session_store.sessions_of(uow.conn, case.id))
        parties = case_store.parties_of_case(uow.conn, case.id)
        network, _ = configuration(uow.conn, case.config_version)
        timeline = queries.timeline(uow.conn, case.id)
        committee, _, _ = committees_of(network, case, timeline)
        log_read(uow.conn, caller, case.id, CASE_FILE_FIELDS, unmask, reason)
        uow.commit()
    parts: list[bytes] = []
    masked: list[dict[str, Any]] = []
    entries = []
    for d in chosen:
        entry = Entry(d.title, d.version)
        if unmask:
            content = contents[d.id]
            part = content if d.media_type == "application/pdf" else _image_page(content, d.media_type, d.title)
            parts.append(part)
            entry.pages = _pages(part)
        elif d.origin == "generated":
            masked.append(_masked(data[(str(d.kind), d.subject)][1], names))
        else:
            entry.withheld = True
        entries.append(entry)
    closed = next((t.at for t in reversed(timeline) if t.stage is Stage.CLOSING), None)
    cover = {
        "case_no": case.case_no,
        "committee": committee,
        "parties": [
            (f"{ROLE_ZH.get(p.role, p.role)} {p.role}", p.name if unmask else mask_name(p.name)) for p in parties
        ],
        "dispute_type": dispute_type(case.dispute_type),
        "registered": day(case.created_at),
        "closed": day(closed),
        "compiled": shown(now()),
        "masked": masked,
    }
    if not unmask:  # one printing: cover, index and the masked papers; page numbers from the papers' order
        return print_pdf(
            templates().get_template("case_file.html").render(entries=entries, **cover), what="the case file"
        )
    front = print_pdf(templates().get_template("case_file.html").render(entries=entries, **cover), what="the case file")
    page = _pages(front) + 1
    for entry in entries:
        entry.first_page, page = page, page + (entry.pages or 0)
    front = print_pdf(templates().get_template("case_file.html").render(entries=entries, **cover), what="the case file")
    writer = PdfWriter()
    for part in (front, *parts):
        writer.append(io.BytesIO(part))
    joined = io.BytesIO()
    writer.write(joined)
    return joined.getvalue()
