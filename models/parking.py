"""Parking a poison case: one whose steps keep failing is set aside until a person retries it.

A failed step ends its flow run, and the sweep gives the case a new run: without a limit a case
that can never make progress (an area no organisation serves, a network changed under it) would
start runs for ever. Runs that fail in a row are counted on the case; at the limit the case is
parked, a flag beside its status (the statuses are the contract's), and no run is started for
it until `fengqiao case retry` or the API's retry clears it.

What is kept of the error is the exception's type and, for our own domain errors, their message
(codes, areas, organisations): never a driver's or a library's text, which may quote a party's
data (SQL parameters, a request body).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fengqiao.models.errors import FengqiaoError, StepFailed

ERROR_CHARS = 300  # the stored error: enough for a domain message, short enough for a board row


@dataclass(frozen=True)
class Parked:
    at: datetime
    failures: int
    error: str


def error_summary(exc: BaseException) -> str:
    """`Type: domain message` for our errors, the type alone for anything else (a StepFailed
    carries the type, and a database error's code, of what failed)."""
    kind = type(exc).__name__
    if isinstance(exc, StepFailed):
        text = exc.message
    else:
        text = f"{kind}: {exc.message}" if isinstance(exc, FengqiaoError) else kind
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def parks(failures: int, limit: int) -> bool:
    """Whether this many failed runs in a row park the case."""
    return failures >= limit


def parked_reason(case_no: str, failures: int, error: str) -> str:
    """The alert's reason: what a coordinator reads before deciding to retry."""
    return f"{case_no} 连续{failures}次步骤失败，已暂停: parked after {failures} failed runs in a row: {error}"
