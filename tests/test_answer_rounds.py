"""An answer says which round it answers: sent again after the case moved on, it never counts twice.

The integrator's story (issue 19): an outcome `failed` is posted, the response is lost, the case
escalates and waits at the next rung, and the same outcome is posted again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import text

from fengqiao.cli.demo_papers import file_papers
from fengqiao.cli.demo_scenarios import SCENARIOS
from fengqiao.db.uow import UnitOfWork
from fengqiao.flows.case import case_flow
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.human_input import record_input
from fengqiao.services.runtime import engine
from tests.drive import register, timeline_of
from tests.factories import a_key
from tests.test_cli import run
from tests.test_pipeline import EXPECTED

V1 = "/api/v1"
ESCALATED_ONCE = next(s for s in SCENARIOS if s.name == "escalated_once")
ESCALATED_TIMELINE = EXPECTED["escalated_once"][1][:5]  # intake, triage, assignment, one escalation, assignment


@contextmanager
def prefect_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Answers are stored before the flow is woken; with Prefect unreachable the wake waits for the
    sweep, and the test drives the case itself (as `drive` does) rather than racing a run it started."""
    with monkeypatch.context() as m, temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        m.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there
        yield


def stored_inputs(case_id: int) -> list[tuple]:
    with UnitOfWork(engine()) as uow:
        rows = uow.conn.execute(
            text("SELECT kind, round, value, actor FROM human_inputs WHERE case_id = :c ORDER BY id"), {"c": case_id}
        )
        return [tuple(r) for r in rows]


def escalated_case() -> tuple[str, int]:
    return register(ESCALATED_ONCE.intake_record(channel_ref="T-escalated_once", n=1))


def test_get_case_says_what_the_case_waits_for_and_its_round(api, monkeypatch):
    case_no, case_id = escalated_case()
    coordinator = a_key("coordinator")
    assert api.get(f"{V1}/cases/{case_no}", headers=coordinator).json()["waiting_for"] is None

    assert case_flow(case_id) == "waiting:outcome"
    first = api.get(f"{V1}/cases/{case_no}", headers=coordinator).json()
    with prefect_down(monkeypatch):
        api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed", "attempt": 1}, headers=coordinator)
    assert case_flow(case_id) == "waiting:outcome"
    second = api.get(f"{V1}/cases/{case_no}", headers=coordinator).json()

    assert (first["next_step"], first["waiting_for"]) == ("waiting:outcome", {"input": "outcome", "attempt": 1})
    assert (second["next_step"], second["waiting_for"]) == ("waiting:outcome", {"input": "outcome", "attempt": 2})


def test_an_outcome_sent_again_after_the_case_escalated_gets_its_first_answer_and_escalates_once(api, monkeypatch):
    case_no, case_id = escalated_case()
    mediator = a_key("mediator", name="M-C04")
    assert case_flow(case_id) == "waiting:outcome"

    with prefect_down(monkeypatch):
        first = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed", "attempt": 1}, headers=mediator)
    assert case_flow(case_id) == "waiting:outcome"  # escalated, and waiting at the street for attempt 2
    with prefect_down(monkeypatch):
        again = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed", "attempt": 1}, headers=mediator)
        other = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "agreement", "attempt": 1}, headers=mediator)
    assert case_flow(case_id) == "waiting:outcome"

    assert first.status_code == 200 and again.status_code == 200
    assert first.json() == {
        "case_id": case_id,
        "case_no": case_no,
        "kind": "outcome",
        "round": 1,
        "value": "failed",
        "note": "",
        "actor": "M-C04",
    }
    assert again.json() == first.json()
    assert (other.status_code, other.json()) == (
        409,
        {
            "error": {
                "code": "not_waiting_for_input",
                "message": f"案件不在等待此答复 case {case_no} waits for outcome attempt 2, not for outcome attempt 1",
                "field": "attempt",
            }
        },
    )
    assert timeline_of(case_id) == ESCALATED_TIMELINE
    assert stored_inputs(case_id) == [("outcome", 1, "failed", "M-C04")]


def test_an_answer_for_the_current_round_is_stored_and_one_for_a_round_not_reached_is_refused(api):
    case_no, case_id = escalated_case()
    coordinator = a_key("coordinator", name="centre")
    assert case_flow(case_id) == "waiting:outcome"

    ahead = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed", "attempt": 2}, headers=coordinator)
    zero = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed", "attempt": 0}, headers=coordinator)
    now = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed", "attempt": 1}, headers=coordinator)
    file_papers(case_no, "agreement", actor="centre")  # the case file complete: the answer itself conflicts
    conflict = api.post(
        f"{V1}/cases/{case_no}/outcome", json={"result": "agreement", "attempt": 1}, headers=coordinator
    )

    assert (ahead.status_code, ahead.json()["error"]) == (
        409,
        {
            "code": "not_waiting_for_input",
            "message": f"案件不在等待此答复 case {case_no} waits for outcome attempt 1, not for outcome attempt 2",
            "field": "attempt",
        },
    )
    assert (zero.status_code, zero.json()["error"]["field"]) == (422, "attempt")
    assert (now.status_code, now.json()["round"]) == (200, 1)
    assert (conflict.status_code, conflict.json()["error"]) == (
        409,
        {
            "code": "input_conflict",
            "message": f"已记录过不同的答复 outcome 1 of case {case_id} is already recorded as 'failed' by centre",
            "field": "result",
        },
    )


def test_a_handoff_result_names_its_round_too(api, monkeypatch):
    scenario = next(s for s in SCENARIOS if s.name == "not_suitable")
    case_no, case_id = register(scenario.intake_record(channel_ref="T-not_suitable", n=1))
    coordinator = a_key("coordinator")
    assert case_flow(case_id) == "waiting:handoff_result"
    assert api.get(f"{V1}/cases/{case_no}", headers=coordinator).json()["waiting_for"] == {
        "input": "handoff_result",
        "attempt": 1,
    }

    body = {"result": "法院已立案受理", "attempt": 1}
    with prefect_down(monkeypatch):
        first = api.post(f"{V1}/cases/{case_no}/handoff-result", json=body, headers=coordinator)
    assert case_flow(case_id) == "closed"
    again = api.post(f"{V1}/cases/{case_no}/handoff-result", json=body, headers=coordinator)
    other = api.post(
        f"{V1}/cases/{case_no}/handoff-result", json={"result": "已调解", "attempt": 1}, headers=coordinator
    )

    assert first.status_code == 200 and again.json() == first.json()
    assert (other.status_code, other.json()["error"]) == (
        409,
        {
            "code": "not_waiting_for_input",
            "message": f"案件不在等待此答复 case {case_no} is closed and waits for no input, not for handoff_result attempt 1",
            "field": "attempt",
        },
    )


def test_the_command_line_takes_the_round_as_attempt(network, monkeypatch):
    case_no, case_id = escalated_case()
    assert case_flow(case_id) == "waiting:outcome"

    with prefect_down(monkeypatch):
        code, first = run("outcome", case_no, "--result", "failed", "--actor", "M-C04", "--attempt", "1")
    assert case_flow(case_id) == "waiting:outcome"
    shown = run("case", case_no, "--json")
    again = run("outcome", case_no, "--result", "failed", "--actor", "M-C04", "--attempt", "1")
    other = run("outcome", case_no, "--result", "agreement", "--attempt", "1")

    assert code == 0 and first.startswith(f"已记录 recorded: {case_no} outcome #1 = failed\n")
    assert '"waiting_for": {\n    "input": "outcome",\n    "attempt": 2\n  }' in shown[1]
    assert again[0] == 0 and again[1].startswith(f"此前已记录 already recorded: {case_no} outcome #1 = failed\n")
    assert other == (
        1,
        f"not_waiting_for_input: 案件不在等待此答复 case {case_no} waits for outcome attempt 2, not for outcome attempt 1\n",
    )
    assert timeline_of(case_id) == ESCALATED_TIMELINE
    assert stored_inputs(case_id) == [("outcome", 1, "failed", "M-C04")]


def test_a_follow_up_visit_sent_again_after_the_case_was_reopened_and_agreed_again_is_the_first(api, monkeypatch):
    scenario = next(s for s in SCENARIOS if s.name == "resolved_first_level")
    case_no, case_id = register(scenario.intake_record(channel_ref="T-visit", n=1))
    coordinator = a_key("coordinator", name="centre")
    assert case_flow(case_id) == "waiting:outcome"
    file_papers(case_no, "agreement", actor="M-C01")  # the papers the gate asks of an agreement
    record_input(case_no, InputKind.OUTCOME, "agreement", actor="M-C01")
    assert case_flow(case_id) == "closed"
    waiting = api.get(f"{V1}/cases/{case_no}", headers=coordinator).json()["waiting_for"]
    visit = {"honoured": False, "satisfaction": 2, "if_broken": "reopen", "attempt": 1}

    with prefect_down(monkeypatch):
        first = api.post(f"{V1}/cases/{case_no}/follow-up", json=visit, headers=coordinator)
    assert case_flow(case_id) == "waiting:outcome"  # mediation re-opened: attempt 2
    file_papers(case_no, "agreement", actor="M-C01")
    record_input(case_no, InputKind.OUTCOME, "agreement", actor="M-C01", attempt=2)
    assert case_flow(case_id) == "closed"
    again = api.post(f"{V1}/cases/{case_no}/follow-up", json=visit, headers=coordinator)
    now = api.get(f"{V1}/cases/{case_no}", headers=coordinator).json()["waiting_for"]

    assert waiting == {"input": "follow_up", "attempt": 1}
    assert first.json() == {"case_id": case_id, "case_no": case_no, "status": "triaged"}
    assert (again.status_code, again.json()) == (200, first.json())
    assert now == {"input": "follow_up", "attempt": 2}  # the second agreement's visit is still to come
    assert [t[3] for t in timeline_of(case_id)].count("follow_up") == 1
    assert [i for i in stored_inputs(case_id) if i[0] == "follow_up"] == [
        ("follow_up", 1, "not_honoured:reopen", "centre")
    ]


def test_the_command_line_names_the_round_of_an_expert_opinion(network, monkeypatch):
    scenario = next(s for s in SCENARIOS if s.name == "panel_with_expert")
    case_no, case_id = register(scenario.intake_record(channel_ref="T-panel", n=1))
    assert case_flow(case_id) == "waiting:outcome"
    record_input(case_no, InputKind.OUTCOME, "failed", actor="M-C05", attempt=1)
    assert case_flow(case_id) == "waiting:expert_opinion"

    with prefect_down(monkeypatch):
        code, first = run("opinion", case_no, "--text", "后车全责", "--expert", "E-05", "--attempt", "2")
    assert case_flow(case_id) == "waiting:outcome"
    again = run("opinion", case_no, "--text", "后车全责", "--expert", "E-05", "--attempt", "2")
    other = run("opinion", case_no, "--text", "各半", "--expert", "E-05", "--attempt", "2")

    assert code == 0 and first.startswith(f"已记录 recorded: {case_no} expert_opinion #2 = 后车全责\n")
    assert again[0] == 0 and again[1].startswith(
        f"此前已记录 already recorded: {case_no} expert_opinion #2 = 后车全责\n"
    )
    assert other == (
        1,
        f"not_waiting_for_input: 案件不在等待此答复 case {case_no} waits for outcome attempt 2, not for expert_opinion attempt 2\n",
    )
