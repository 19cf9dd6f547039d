"""Announce a stored transition: a structlog line and a Prefect event. Codes only, never personal data."""

from __future__ import annotations

from typing import Any

from config.logging import get_logger
from config.prefect_env import prefect_reachable
from models.case import Case
from models.transitions import Transition


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
    if not prefect_reachable():
        return
    from prefect.events import emit_event  # late: the domain and db layers never need Prefect

    related = [{"prefect.resource.id": f"prefect.flow-run.{flow_run_id}", "prefect.resource.role": "flow-run"}]
    emit_event(
        event=f"fengqiao.case.{record.to_status}",
        resource={"prefect.resource.id": f"fengqiao.case.{case.case_no}", "prefect.resource.name": case.case_no},
        related=related if flow_run_id else [],
        payload={k: (str(v) if v is not None else None) for k, v in fields.items()},
    )


def run_tags(case: Case) -> list[str]:
    """What a coordinator filters runs by in the Prefect UI: codes only."""
    dispute_type = case.dispute_type or case.declared_type or "untriaged"
    return [f"channel:{case.channel}", f"area:{case.area_code}", f"type:{dispute_type}"]


def retag_flow_run(case: Case, *, flow_run_id: str | None) -> None:
    """Triage learns the dispute type after the run was created: put it on the run."""
    if flow_run_id is None:
        return
    from uuid import UUID

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
        kept = [t for t in run.tags if not t.startswith(("channel:", "area:", "type:"))]
        client.update_flow_run(UUID(flow_run_id), tags=[*kept, *run_tags(case)])
