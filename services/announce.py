"""Announce a stored transition: a structlog line, then each listener (Prefect's events: tasks.monitor).

Listeners keep Prefect out of the services: a process that imports tasks/ has Prefect's event
stream connected; one that does not (a script over services alone) still logs every move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fengqiao.config.logging import get_logger
from fengqiao.models.case import Case
from fengqiao.models.transitions import Transition

Listener = Callable[[Case, Transition, dict[str, Any], "str | None"], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Call listener(case, record, fields, flow_run_id) after each announced move (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce(case: Case, record: Transition, *, flow_run_id: str | None) -> None:
    fields: dict[str, Any] = {
        "seq": record.seq,
        "from_status": record.from_status,
        "to_status": record.to_status,
        "stage": record.stage,
        "org": record.org,
        "rule": record.rule,
        "actor": record.actor,
    }
    get_logger(case_no=case.case_no, case_id=case.id, flow_run_id=flow_run_id).info("case.transition", **fields)
    for listener in _listeners:
        listener(case, record, fields, flow_run_id)
