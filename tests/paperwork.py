"""What the paperwork tests share: a case waiting for its outcome, and an error answer's parts."""

from __future__ import annotations

from tests.drive import drive, register
from tests.factories import a_new_case


def error(response) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["error"]


def mediating(ref: str) -> tuple[str, int]:
    """A case registered under ref and driven to its first mediation attempt, waiting for the outcome."""
    case_no, case_id = register(a_new_case(channel_ref=ref))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    return case_no, case_id
