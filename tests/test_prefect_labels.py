"""Only codes reach Prefect: a channel's free-text dispute type never becomes a run tag or an event."""

from __future__ import annotations

import json
import time
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.events.filters import EventFilter, EventRelatedFilter, EventResourceFilter

from fengqiao.models.run_labels import PERSON, actor_label
from fengqiao.runs.sweep import start_new_cases
from fengqiao.services.intake import flow_run_of
from fengqiao.tasks.triage import triage_case
from tests.drive import register
from tests.factories import a_key, a_new_case, example_of

V1 = "/api/v1"
TYPED = "赡养纠纷 周建军 电话13912340001"  # what a window clerk typed into the form's dispute type


def _tags(flow_run_id: str) -> list[str]:
    """The run's tags as the Prefect server holds them (sorted: it keeps no order)."""
    with get_client(sync_client=True) as client:
        return sorted(client.read_flow_run(UUID(flow_run_id)).tags)


def _prefect_events_of(flow_run_id: str, case_no: str) -> str:
    """Every event Prefect holds about the run or the case, as JSON (the run's tags are copied into them)."""
    about_run = EventFilter(related=EventRelatedFilter(id=[f"prefect.flow-run.{flow_run_id}"]))
    on_run = EventFilter(resource=EventResourceFilter(id=[f"prefect.flow-run.{flow_run_id}"]))
    on_case = EventFilter(resource=EventResourceFilter(id=[f"fengqiao.case.{case_no}"]))
    with get_client(sync_client=True) as client:
        deadline = time.monotonic() + 30
        while not (events := client.read_events(filter=on_run, limit=50).events) and time.monotonic() < deadline:
            time.sleep(0.5)  # Prefect writes events a moment after the change
        events += client.read_events(filter=about_run, limit=50).events
        events += client.read_events(filter=on_case, limit=50).events
    assert events, "Prefect recorded the run's creation"
    return json.dumps([e.model_dump(mode="json") for e in events], ensure_ascii=False)


@pytest.mark.parametrize(
    ("declared", "at_intake", "after_triage"),
    [
        (TYPED, "type:unknown", "type:neighbourhood"),  # no path for free text: triage falls back to the default
        ("family", "type:family", "type:family"),  # a type the network knows is its own code
    ],
)
def test_a_run_is_tagged_with_known_type_codes_only(api, declared, at_intake, after_triage):
    form = example_of("walk_in") | {"dispute_type": declared}

    answer = api.post(f"{V1}/intake/walk_in", json=form, headers=a_key("integrator"))

    assert answer.status_code == 202
    case_id, case_no = answer.json()["case_id"], answer.json()["case_no"]
    start_new_cases()  # as a worker does on the intake's wake-up
    run = flow_run_of(case_id)
    assert _tags(run) == ["area:511502002001", "channel:walk_in", at_intake]

    triage_case.fn(case_id, flow_run_id=run)  # triage re-tags the run with the type it decided

    assert _tags(run) == ["area:511502002001", "channel:walk_in", after_triage]
    seen = _prefect_events_of(run, case_no)
    assert [part for part in ("13912340001", "赡养", "周建军") if part in seen] == []


def test_a_test_cases_run_carries_the_test_tag_once_after_triage_retags_it(network):
    _, case_id = register(a_new_case(test=True, declared_type="family"))
    start_new_cases()
    run = flow_run_of(case_id)

    triage_case.fn(case_id, flow_run_id=run)  # keeps `test`, and tags_for gives it again

    assert _tags(run) == ["area:511502001001001", "channel:grid", "test", "type:family"]


def test_an_actor_reaches_prefect_as_a_code_or_as_a_person():
    assert [actor_label(a) for a in ("fengqiao", "fengqiao:deadline", "channel:walk_in")] == [
        "fengqiao",
        "fengqiao:deadline",
        "channel:walk_in",
    ]
    assert {actor_label(a) for a in ("M-C01", "张调解员", "centre 13912340001", "channel:周建军")} == {PERSON}


LEAKING_TRIGGER = {
    # the refusal quotes the row's values, as PostgreSQL's DETAIL quotes a refused key
    "postgresql": [
        """CREATE FUNCTION quote_the_applicant() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'refused: 张三 110101199003074514 13812345678'; END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER quote_the_applicant BEFORE INSERT ON transitions
           FOR EACH ROW EXECUTE FUNCTION quote_the_applicant()""",
    ],
    "sqlite": [
        """CREATE TRIGGER quote_the_applicant BEFORE INSERT ON transitions
           BEGIN SELECT RAISE(ABORT, 'refused: 张三 110101199003074514 13812345678'); END""",
    ],
}
WITHHELD = {
    "postgresql": "ProgrammingError (SQLSTATE P0001)",
    "sqlite": "IntegrityError (SQLITE_CONSTRAINT_TRIGGER)",
}


def _what_prefect_holds_of(flow_run_id: str) -> str:
    """The run's logs (its tasks' included), its and its tasks' states, as Prefect's server keeps them."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import TaskRunSort
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    run = UUID(flow_run_id)
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run])), limit=200, offset=0)
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run])),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
            limit=50,
        )
        flow_run = client.read_flow_run(run)
    held = [log.message for log in logs] + [t.state.model_dump_json() for t in tasks if t.state]
    return "\n".join([*held, flow_run.state.model_dump_json() if flow_run.state else ""])


def test_a_failed_step_reaches_prefect_as_its_type_never_its_text(network, database):
    """A database error's text can quote the row (the applicant's name, ID number, phone): Prefect's
    logs, run states and events get the error's type and code only; the case counts the failure the same way."""
    from sqlalchemy import text

    from fengqiao.db import flow_runs
    from fengqiao.db.uow import UnitOfWork
    from fengqiao.flows.case import case_flow
    from fengqiao.models.errors import StepFailed
    from fengqiao.services.runtime import engine
    from tests.drive import register
    from tests.factories import a_new_case

    case_no, case_id = register(a_new_case())
    kind = "postgresql" if database.startswith("postgresql") else "sqlite"
    with UnitOfWork(engine()) as uow:
        for statement in LEAKING_TRIGGER[kind]:
            uow.conn.execute(text(statement))
        uow.commit()

    with pytest.raises(StepFailed) as failed:
        case_flow(case_id)

    assert (failed.value.message, failed.value.__context__, failed.value.__cause__) == (WITHHELD[kind], None, None)
    with UnitOfWork(engine()) as uow:
        run, _ = flow_runs.case_flow_run(uow.conn, case_id)
        from fengqiao.db import parking as parking_store

        assert parking_store.failures_of(uow.conn, case_id) == 1
    assert run is not None
    held = _what_prefect_holds_of(run) + _prefect_events_of(run, case_no)
    assert WITHHELD[kind] in held  # what failed is there for an operator
    assert [part for part in ("110101199003074514", "13812345678", "张三", "refused:") if part in held] == []
