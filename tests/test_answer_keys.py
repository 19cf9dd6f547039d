"""An answer sent with an Idempotency-Key: sent again, with the same key, it is the answer it first recorded.

The integrator's story (issue 19) once more, without naming the round: an outcome `failed` is
posted with a key, the response is lost, the case escalates and waits at the next rung, and the
same outcome is posted again with the same key. The key is looked at before the round the case
waits for, so the retry never counts for the next rung.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from fengqiao.cli.demo_papers import file_papers
from fengqiao.cli.demo_scenarios import SCENARIOS
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.runtime import engine
from tests.drive import drive, register, timeline_of
from tests.factories import a_key
from tests.test_answer_rounds import ESCALATED_TIMELINE, escalated_case, prefect_down, stored_inputs
from tests.test_cli import run
from tests.test_who_answers import handed_off_case, key_id_of

V1 = "/api/v1"


def stored_keys(case_id: int) -> list[tuple]:
    with UnitOfWork(engine()) as uow:
        rows = uow.conn.execute(
            text("SELECT kind, round, idempotency_key FROM human_inputs WHERE case_id = :c ORDER BY id"), {"c": case_id}
        )
        return [tuple(r) for r in rows]


def test_an_outcome_sent_again_with_its_key_after_the_case_escalated_is_the_first_answer_and_escalates_once(
    api, monkeypatch
):
    case_no, case_id = escalated_case()
    mediator = a_key("mediator", name="M-C04")
    keyed = mediator | {"Idempotency-Key": "outcome-7f3a"}
    assert drive(case_no, case_id, []) == ["waiting:outcome"]

    with prefect_down(monkeypatch):
        first = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=keyed)
    assert drive(case_no, case_id, []) == ["waiting:outcome"]  # escalated: the street, attempt 2
    with prefect_down(monkeypatch):
        again = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=keyed)
    assert drive(case_no, case_id, []) == ["waiting:outcome"]

    answered = {"kind": "outcome", "round": 1, "value": "failed", "note": "", "actor": "M-C04"}
    assert (first.status_code, first.json()) == (200, {"case_id": case_id, "case_no": case_no, **answered})
    assert (again.status_code, again.json()) == (200, first.json())
    assert timeline_of(case_id) == ESCALATED_TIMELINE
    assert stored_inputs(case_id) == [("outcome", 1, "failed", "M-C04")]
    assert stored_keys(case_id) == [("outcome", 1, f"{key_id_of(mediator)}:outcome-7f3a")]


def test_a_mediator_whose_case_escalated_beyond_its_key_gets_its_first_answer_again_or_a_conflict(api, monkeypatch):
    """The failed outcome takes the case to the street, which a community mediator's key does not
    see; the same request sent again (its answer was lost) still gets the first answer, not a 404."""
    case_no, case_id = escalated_case()
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    community = timeline_of(case_id)[2][4]  # the organisation of the first assignment
    mediator = a_key("mediator", name="M-C04", areas=(), orgs=(community,)) | {"Idempotency-Key": "outcome-lost"}

    with prefect_down(monkeypatch):
        first = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=mediator)
    assert drive(case_no, case_id, []) == ["waiting:outcome"]  # escalated: the street holds it now
    with prefect_down(monkeypatch):
        again = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=mediator)
        other = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "agreement"}, headers=mediator)
        unkeyed = api.post(
            f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=mediator | {"Idempotency-Key": "new"}
        )

    assert (first.status_code, again.status_code, again.json()) == (200, 200, first.json())
    assert (other.status_code, other.json()) == (
        409,
        {
            "error": {
                "code": "input_conflict",
                "message": f"该 Idempotency-Key 已用于本案的另一答复 the Idempotency-Key was already used for a different answer on case {case_no} "
                "(outcome attempt 1)",
                "field": "Idempotency-Key",
            }
        },
    )
    assert unkeyed.status_code == 404  # a new request on a case the key no longer sees
    assert stored_inputs(case_id) == [("outcome", 1, "failed", "M-C04")]
    assert timeline_of(case_id) == ESCALATED_TIMELINE


def keyed(api, case_no: str, what: str, body: dict, headers: dict, key: str):  # type: ignore[no-untyped-def]
    """POST /cases/{case_no}/{what} with an Idempotency-Key."""
    return api.post(f"{V1}/cases/{case_no}/{what}", json=body, headers=headers | {"Idempotency-Key": key})


def test_the_same_key_with_a_different_answer_is_a_conflict_and_a_new_key_answers_the_round_awaited(api, monkeypatch):
    case_no, case_id = escalated_case()
    coordinator = a_key("coordinator", name="centre")
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    with prefect_down(monkeypatch):
        keyed(api, case_no, "outcome", {"result": "failed"}, coordinator, "k1")
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    file_papers(case_no, "agreement", actor="centre")  # what the gate asks before the k2 agreement

    with prefect_down(monkeypatch):
        other = keyed(api, case_no, "outcome", {"result": "agreement"}, coordinator, "k1")
        noted = keyed(api, case_no, "outcome", {"result": "failed", "note": "双方仍有分歧"}, coordinator, "k1")
        later = keyed(api, case_no, "outcome", {"result": "failed", "attempt": 2}, coordinator, "k1")
        new = keyed(api, case_no, "outcome", {"result": "agreement"}, coordinator, "k2")

    conflict = {
        "code": "input_conflict",
        "message": f"该 Idempotency-Key 已用于本案的另一答复 the Idempotency-Key was already used for a different answer on case {case_no} (outcome attempt 1)",
        "field": "Idempotency-Key",
    }
    assert (other.status_code, other.json()) == (409, {"error": conflict})
    assert (noted.status_code, noted.json()) == (409, {"error": conflict})
    assert (later.status_code, later.json()) == (409, {"error": conflict})
    assert (new.status_code, new.json()["round"], new.json()["value"]) == (200, 2, "agreement")
    coordinator_id = key_id_of(coordinator)
    assert stored_keys(case_id) == [("outcome", 1, f"{coordinator_id}:k1"), ("outcome", 2, f"{coordinator_id}:k2")]


def test_two_integrators_using_the_same_key_string_on_their_own_cases_do_not_collide(api):
    court, police = a_key("integrator", name="court-system"), a_key("integrator", name="police-system")
    court_id, police_id = key_id_of(court), key_id_of(police)
    by_court = handed_off_case("KEYS-COURT", sent_by=court_id)
    by_police = handed_off_case("KEYS-POLICE", sent_by=police_id)

    a = keyed(api, by_court, "handoff-result", {"result": "法院已立案受理"}, court, "r-1")
    b = keyed(api, by_police, "handoff-result", {"result": "已行政处罚"}, police, "r-1")
    a_again = keyed(api, by_court, "handoff-result", {"result": "法院已立案受理"}, court, "r-1")

    assert (a.status_code, a.json()["case_no"], a.json()["value"]) == (200, by_court, "法院已立案受理")
    assert (b.status_code, b.json()["case_no"], b.json()["value"]) == (200, by_police, "已行政处罚")
    assert a_again.json() == a.json()
    with UnitOfWork(engine()) as uow:
        keys = uow.conn.execute(text("SELECT idempotency_key FROM human_inputs ORDER BY id")).scalars().all()
    assert keys == [f"{court_id}:r-1", f"{police_id}:r-1"]


def test_a_follow_up_visit_sent_again_with_its_key_after_the_case_was_reopened_and_agreed_again_is_the_first(
    api, monkeypatch
):
    scenario = next(s for s in SCENARIOS if s.name == "resolved_first_level")
    case_no, case_id = register(scenario.intake_record(channel_ref="T-keyed-visit", n=1))
    coordinator = a_key("coordinator", name="centre") | {"Idempotency-Key": "visit-1"}
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", "M-C01")]) == ["waiting:outcome", "closed"]
    visit = {"honoured": False, "satisfaction": 2, "if_broken": "reopen"}

    with prefect_down(monkeypatch):
        first = api.post(f"{V1}/cases/{case_no}/follow-up", json=visit, headers=coordinator)
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", "M-C01")]) == ["waiting:outcome", "closed"]
    again = api.post(f"{V1}/cases/{case_no}/follow-up", json=visit, headers=coordinator)
    honoured = api.post(f"{V1}/cases/{case_no}/follow-up", json=visit | {"honoured": True}, headers=coordinator)

    assert first.json() == {"case_id": case_id, "case_no": case_no, "status": "triaged"}
    assert (again.status_code, again.json()) == (200, first.json())
    assert (honoured.status_code, honoured.json()["error"]["field"]) == (409, "Idempotency-Key")
    assert [t[3] for t in timeline_of(case_id)].count("follow_up") == 1
    assert [i for i in stored_inputs(case_id) if i[0] == "follow_up"] == [
        ("follow_up", 1, "not_honoured:reopen", "centre")
    ]


@pytest.mark.parametrize(
    "key",
    ["", "x" * 151, "名字", "tab\there"],
    ids=["empty", "151 characters", "not ASCII", "a control character"],
)
def test_an_idempotency_key_is_1_to_150_printable_ascii_characters(api, key):
    case_no, case_id = escalated_case()
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    headers = a_key("coordinator") | {"Idempotency-Key": key.encode("utf-8")}

    answer = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=headers)

    assert (answer.status_code, answer.json()["error"]["code"], answer.json()["error"]["field"]) == (
        422,
        "invalid_input",
        "Idempotency-Key",
    )
    assert stored_inputs(case_id) == []


def test_the_longest_key_is_stored_whole(api, monkeypatch):
    case_no, case_id = escalated_case()
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    coordinator = a_key("coordinator")
    key = "~" * 150

    with prefect_down(monkeypatch):
        answer = api.post(
            f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=coordinator | {"Idempotency-Key": key}
        )

    assert answer.status_code == 200
    assert stored_keys(case_id) == [("outcome", 1, f"{key_id_of(coordinator)}:{key}")]


def test_the_command_line_takes_an_idempotency_key(network, monkeypatch):
    case_no, case_id = escalated_case()
    assert drive(case_no, case_id, []) == ["waiting:outcome"]

    with prefect_down(monkeypatch):
        code, first = run("outcome", case_no, "--result", "failed", "--actor", "M-C04", "--idempotency-key", "k-9")
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    again = run("outcome", case_no, "--result", "failed", "--actor", "M-C04", "--idempotency-key", "k-9")
    other = run("outcome", case_no, "--result", "agreement", "--idempotency-key", "k-9")
    too_long = run("outcome", case_no, "--result", "failed", "--idempotency-key", "k" * 151)

    assert code == 0 and first.startswith(f"已记录 recorded: {case_no} outcome #1 = failed\n")
    assert again[0] == 0 and again[1].startswith(f"此前已记录 already recorded: {case_no} outcome #1 = failed\n")
    assert other == (
        1,
        f"input_conflict: 该 Idempotency-Key 已用于本案的另一答复 the Idempotency-Key was already used for a different answer on case {case_no} "
        "(outcome attempt 1)\n",
    )
    assert too_long[0] == 2 and "--idempotency-key" in too_long[1]
    assert timeline_of(case_id) == ESCALATED_TIMELINE
    assert stored_keys(case_id) == [("outcome", 1, "cli:k-9")]


def test_the_command_line_keys_an_opinion_a_handoff_result_and_a_follow_up(network, monkeypatch):
    panel = next(s for s in SCENARIOS if s.name == "panel_with_expert")
    case_no, case_id = register(panel.intake_record(channel_ref="T-keyed-panel", n=1))
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "failed", "M-C05")]) == [
        "waiting:outcome",
        "waiting:expert_opinion",
    ]
    with prefect_down(monkeypatch):
        opinion = run("opinion", case_no, "--text", "后车全责", "--expert", "E-05", "--idempotency-key", "op-1")
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    opinion_again = run("opinion", case_no, "--text", "后车全责", "--expert", "E-05", "--idempotency-key", "op-1")

    handed = handed_off_case("KEYS-CLI-HANDOFF", sent_by=None)
    with prefect_down(monkeypatch):
        handoff = run("handoff-result", handed, "--result", "已立案", "--idempotency-key", "h-1")
        handoff_again = run("handoff-result", handed, "--result", "已立案", "--idempotency-key", "h-1")

    resolved = next(s for s in SCENARIOS if s.name == "resolved_first_level")
    agreed_no, agreed_id = register(resolved.intake_record(channel_ref="T-keyed-cli-visit", n=1))
    assert drive(agreed_no, agreed_id, [(InputKind.OUTCOME, "agreement", "M-C01")]) == ["waiting:outcome", "closed"]
    visit = ("follow-up", agreed_no, "--not-honoured", "--satisfaction", "2", "--idempotency-key", "v-1")
    with prefect_down(monkeypatch):
        visited = run(*visit)
    assert drive(agreed_no, agreed_id, [(InputKind.OUTCOME, "agreement", "M-C01")]) == ["waiting:outcome", "closed"]
    visited_again = run(*visit)

    assert opinion[0] == 0 and opinion_again[0] == 0
    assert opinion_again[1].startswith(f"此前已记录 already recorded: {case_no} expert_opinion #2 = 后车全责\n")
    assert handoff[0] == 0 and handoff_again[1].startswith(f"此前已记录 already recorded: {handed} handoff_result #1")
    assert visited == (0, visited[1]) and visited[1].startswith(f"{agreed_no}: triaged")
    assert visited_again[0] == 0 and visited_again[1].startswith(f"{agreed_no}: triaged (already recorded)")
    assert stored_keys(case_id)[-1] == ("expert_opinion", 2, "cli:op-1")
    assert stored_keys(agreed_id) == [("outcome", 1, None), ("follow_up", 1, "cli:v-1"), ("outcome", 2, None)]
