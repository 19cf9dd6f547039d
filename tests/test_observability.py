"""Every transition is a structlog JSON line and a Prefect event; nothing personal reaches Prefect."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId
from prefect.client.schemas.sorting import FlowRunSort, LogSort, TaskRunSort
from prefect.events.filters import EventFilter, EventOccurredFilter, EventResourceFilter
from prefect.types import DateTime

from fengqiao.models.vocabulary import InputKind
from tests.drive import drive, register
from tests.factories import a_new_case

PERSONAL = ["张三", "李四", "110101199003074514", "13812345678", "楼上漏水"]


def test_transitions_are_events_and_log_lines_without_personal_data(prefect_server, network):
    # The SQLite and PostgreSQL runs share one Prefect server, one log file and their case numbers.
    started = DateTime.now("UTC")
    log_file = Path(os.environ["FENGQIAO_LOG_FILE"])
    log_offset = log_file.stat().st_size if log_file.exists() else 0
    case_no, case_id = register(a_new_case(channel_ref="OBS-1"))
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", "M-C01")]) == ["waiting:outcome", "closed"]

    # events, one per transition, on the case's resource and related to the flow run that made it
    with get_client(sync_client=True) as client:
        flt = EventFilter(
            resource=EventResourceFilter(id=[f"fengqiao.case.{case_no}"]), occurred=EventOccurredFilter(since=started)
        )
        deadline = time.monotonic() + 30
        while len(events := client.read_events(filter=flt, limit=50).events) < 6 and time.monotonic() < deadline:
            time.sleep(0.5)
        events.sort(key=lambda e: int(e.payload["seq"]))
        assert [e.event for e in events] == [
            "fengqiao.case.received",
            "fengqiao.case.triaged",
            "fengqiao.case.mediating",
            "fengqiao.case.mediating",  # the session record drive() files before the agreement
            "fengqiao.case.resolved",
            "fengqiao.case.closed",
        ]
        run_ids = {
            r.id.removeprefix("prefect.flow-run.") for e in events[1:] for r in e.related if r.role == "flow-run"
        }
        assert len(run_ids) == 2  # the run that waited, and the run that continued after the outcome

        by_id = FlowRunFilter(id=FlowRunFilterId(any_=[UUID(r) for r in run_ids]))
        runs = client.read_flow_runs(flow_run_filter=by_id, sort=FlowRunSort.ID_DESC, limit=10)
        task_runs = client.read_task_runs(flow_run_filter=by_id, sort=TaskRunSort.ID_DESC, limit=100)
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[r.id for r in runs])),
            limit=200,
            sort=LogSort.TIMESTAMP_ASC,
            offset=0,
        )
    assert {tuple(sorted(r.parameters.items())) for r in runs} == {(("case_id", case_id),)}
    triaging_run = next(r.id.removeprefix("prefect.flow-run.") for r in events[1].related if r.role == "flow-run")
    tags = next(set(r.tags) for r in runs if str(r.id) == triaging_run)
    assert {"channel:grid", "area:511502001001001", "type:neighbourhood"} <= tags
    everything_in_prefect = json.dumps(
        [x.model_dump(mode="json") for x in [*runs, *task_runs, *logs, *events]], ensure_ascii=False
    )
    assert [p for p in PERSONAL if p in everything_in_prefect] == []

    # one JSON log line per transition, case_no and flow_run_id bound
    with log_file.open("rb") as f:
        f.seek(log_offset)
        lines = [json.loads(line) for line in f.read().decode().splitlines()]
    mine = [x for x in lines if x.get("event") == "case.transition" and x.get("case_no") == case_no]
    assert [(x["seq"], x["to_status"], x["stage"]) for x in mine] == [
        (1, "received", "intake"),
        (2, "triaged", "triage"),
        (3, "mediating", "assignment"),
        (4, "mediating", "session"),
        (5, "resolved", "resolution"),
        (6, "closed", "closing"),
    ]
    outside_a_run = [mine[0], mine[3]]  # registered, and the session recorded as a person's request is
    assert [x["flow_run_id"] for x in outside_a_run] == [None, None]
    assert {x["flow_run_id"] for x in mine if x not in outside_a_run} == run_ids
    all_logged = json.dumps(mine, ensure_ascii=False)
    assert [p for p in PERSONAL if p in all_logged] == []
