"""What the paperwork tests share: a case waiting for its outcome, and an error answer's parts."""

from __future__ import annotations

import io
import struct
import zlib

from pypdf import PdfWriter

from fengqiao.cli.demo_papers import file_papers
from tests.drive import drive, register
from tests.factories import a_new_case


def error(response) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["error"]


def mediating(ref: str) -> tuple[str, int]:
    """A case registered under ref and driven to its first mediation attempt, waiting for the outcome."""
    case_no, case_id = register(a_new_case(channel_ref=ref))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    return case_no, case_id


def ready_to_agree(ref: str, *, mediator: str = "M-C01") -> tuple[str, int]:
    """mediating(), with the papers the sample network's gate asks of a written agreement filed as
    the demo files them (a session record, the signed copy): an agreement may then be recorded."""
    case_no, case_id = mediating(ref)
    file_papers(case_no, "agreement", actor=mediator)
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


def a_png() -> bytes:
    """A real 2×2 grey PNG (zlib and struct: no image library needed): a photographed signed copy,
    or a committee's seal in a test network (no official seal is ever drawn here)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
