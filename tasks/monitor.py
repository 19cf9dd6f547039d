"""What Prefect shows of a case: an event per stored transition, and the run's tags. Codes only, never personal data."""

from __future__ import annotations

from typing import Any

from fengqiao.config.prefect_env import prefect_reachable
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.case import Case
from fengqiao.models.run_labels import actor_label, run_tags
from fengqiao.models.transitions import Transition
from fengqiao.services.announce import listen
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine


def emit_transition_event(case: Case, record: Transition, fields: dict[str, Any], flow_run_id: str | None) -> None:
    """A Prefect event for each announced move, codes only."""
    if not prefect_reachable():
        return
    from prefect.events import emit_event  # late: the domain and db layers never need Prefect

    shown = fields | {"actor": actor_label(record.actor)}  # a key's or a person's name stays in fengqiao
    related = [{"prefect.resource.id": f"prefect.flow-run.{flow_run_id}", "prefect.resource.role": "flow-run"}]
    emit_event(
        event=f"fengqiao.case.{record.to_status}",
        resource={"prefect.resource.id": f"fengqiao.case.{case.case_no}", "prefect.resource.name": case.case_no},
        related=related if flow_run_id else [],
        payload={k: (str(v) if v is not None else None) for k, v in shown.items()},
    )


def tags_for(case: Case) -> list[str]:
    """The run's tags: codes of the configuration the case runs under (models.run_labels)."""
    with UnitOfWork(engine()) as uow:
        network, _ = configuration(uow.conn, case.config_version)
    return run_tags(case, network.paths.keys())


def retag_flow_run(case: Case, *, flow_run_id: str | None) -> None:
    """Triage learns the dispute type after the run was created: put it on the run."""
    if flow_run_id is None:
        return
    from uuid import UUID

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
        kept = [t for t in run.tags if not t.startswith(("channel:", "area:", "type:"))]
        tags = list(dict.fromkeys([*kept, *tags_for(case)]))  # `test` is kept and given again: once
        client.update_flow_run(UUID(flow_run_id), tags=tags)


listen(emit_transition_event)  # importing tasks/ connects Prefect's events to every announced move
