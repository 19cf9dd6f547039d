"""What the paperwork tests share: a case waiting for its outcome, and an error answer's parts."""

from __future__ import annotations

import io

from pypdf import PdfWriter

from tests.drive import drive, register
from tests.factories import a_new_case


def error(response) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["error"]


def mediating(ref: str) -> tuple[str, int]:
    """A case registered under ref and driven to its first mediation attempt, waiting for the outcome."""
    case_no, case_id = register(a_new_case(channel_ref=ref))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    return case_no, case_id


def a_pdf(pages: int = 1) -> bytes:
    """A real PDF of blank A4 pages, as a scanner would make a signed copy."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = a_pdf()
