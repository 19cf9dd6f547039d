"""Only codes reach Prefect: a channel's free-text dispute type never becomes a run tag or an event."""

from __future__ import annotations

import json
import time
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.events.filters import EventFilter, EventRelatedFilter, EventResourceFilter

from models.run_labels import PERSON, actor_label
from tasks.triage import triage_case
from tests.factories import a_key, example_of

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
    case_id, case_no, run = answer.json()["case_id"], answer.json()["case_no"], answer.json()["flow_run_id"]
    assert _tags(run) == ["area:511502002001", "channel:walk_in", at_intake]

    triage_case.fn(case_id, flow_run_id=run)  # triage re-tags the run with the type it decided

    assert _tags(run) == ["area:511502002001", "channel:walk_in", after_triage]
    seen = _prefect_events_of(run, case_no)
    assert [part for part in ("13912340001", "赡养", "周建军") if part in seen] == []


def test_an_actor_reaches_prefect_as_a_code_or_as_a_person():
    assert [actor_label(a) for a in ("fengqiao", "fengqiao:deadline", "channel:walk_in")] == [
        "fengqiao",
        "fengqiao:deadline",
        "channel:walk_in",
    ]
    assert {actor_label(a) for a in ("M-C01", "张调解员", "centre 13912340001", "channel:周建军")} == {PERSON}
