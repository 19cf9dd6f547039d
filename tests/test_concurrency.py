"""Nothing duplicated, nothing lost: racing writers, double submissions, two runs for one case."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from fengqiao.cli.demo_papers import file_papers
from fengqiao.db import cases as case_store
from fengqiao.db import flow_runs
from fengqiao.db.uow import UnitOfWork
from fengqiao.flows.case import case_flow
from fengqiao.models.errors import ConcurrencyConflict, InputConflict
from fengqiao.models.steps import apply_triage
from fengqiao.models.triage import TriageDecision
from fengqiao.models.vocabulary import InputKind, Risk
from fengqiao.services.human_input import record_input
from fengqiao.services.runtime import engine
from tests.drive import register, timeline_of
from tests.factories import AT, a_new_case


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Start the calls together in threads; each result, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the race's loser is what we assert on
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    unfinished = [i for i, t in enumerate(threads) if t.is_alive()]
    assert not unfinished, f"calls {unfinished} of the race did not finish within 300 s"
    return results


def a_mediating_case() -> tuple[str, int]:
    case_no, case_id = register(a_new_case(channel_ref="RACE-1"))
    assert case_flow(case_id) == "waiting:outcome"
    return case_no, case_id


def test_two_different_outcomes_at_once_store_one_and_refuse_the_other(prefect_server, network):
    case_no, case_id = a_mediating_case()
    file_papers(case_no, "agreement", actor="M-C01")  # what the case file needs before an agreement

    results = race(
        lambda: record_input(case_no, InputKind.OUTCOME, "agreement", actor="M-C01"),
        lambda: record_input(case_no, InputKind.OUTCOME, "failed", actor="M-C02"),
    )

    stored = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(stored) == 1 and stored[0].created is True
    assert len(refused) == 1 and isinstance(refused[0], InputConflict)
    winner = stored[0].input
    assert refused[0].message == (
        f"已记录过不同的答复 outcome 1 of case {case_id} is already recorded as {winner.value!r} by {winner.actor}"
    )
    assert case_flow(case_id) == ("closed" if winner.value == "agreement" else "waiting:outcome")
    after_outcome = [row[2] for row in timeline_of(case_id)][4]  # after the session record's row
    assert after_outcome == ("resolved" if winner.value == "agreement" else "escalated")
    assert [row[0] for row in timeline_of(case_id)] == list(range(1, len(timeline_of(case_id)) + 1))


def test_the_same_outcome_twice_gets_the_same_answer_and_one_transition(prefect_server, network):
    case_no, case_id = a_mediating_case()
    file_papers(case_no, "agreement", actor="M-C01")

    first, second = race(
        lambda: record_input(case_no, InputKind.OUTCOME, "agreement", actor="M-C01"),
        lambda: record_input(case_no, InputKind.OUTCOME, "agreement", actor="M-C01"),
    )
    assert sorted([first.created, second.created]) == [False, True]
    assert first.input == second.input
    assert case_flow(case_id) == "closed"
    again = record_input(case_no, InputKind.OUTCOME, "agreement", actor="M-C01")  # after the case moved on

    assert again.created is False and again.input == first.input
    assert [(row[1], row[2]) for row in timeline_of(case_id)].count(("mediating", "resolved")) == 1


def test_a_flow_started_twice_for_one_case_writes_once(prefect_server, network):
    _, case_id = register(a_new_case(channel_ref="TWICE-1"))

    results = race(lambda: case_flow(case_id), lambda: case_flow(case_id))

    assert all(r in ("waiting:outcome", "not-owner") for r in results), results
    assert [(row[0], row[2], row[3]) for row in timeline_of(case_id)] == [
        (1, "received", "intake"),
        (2, "triaged", "triage"),
        (3, "mediating", "assignment"),
    ]


def test_an_open_run_keeps_the_case_from_any_other_run(network):
    _, case_id = register(a_new_case(channel_ref="CLAIM-1"))
    with UnitOfWork(engine()) as uow:
        assert flow_runs.claim_case(uow.conn, case_id, "run-a") is True
        assert flow_runs.claim_case(uow.conn, case_id, "run-b") is False
        flow_runs.release_case(uow.conn, case_id, "run-a")
        assert flow_runs.claim_case(uow.conn, case_id, "run-b") is True
        uow.commit()


def test_two_writers_from_the_same_version_cannot_both_succeed(network):
    _, case_id = register(a_new_case(channel_ref="OCC-1"))
    with UnitOfWork(engine()) as uow:
        before = case_store.get_case(uow.conn, case_id)
    decision = TriageDecision("neighbourhood", Risk.NORMAL, 0, "default_type", "r")
    after, record = apply_triage(before, decision, at=AT)

    def write() -> str:
        with UnitOfWork(engine()) as uow:
            case_store.save_move(uow.conn, before, after, record, flow_run_id=None)
            uow.commit()
        return "stored"

    results = race(write, write)

    assert sorted(map(type, results), key=str) == sorted([str, ConcurrencyConflict], key=str)
    conflict = next(r for r in results if isinstance(r, ConcurrencyConflict))
    assert (
        conflict.message == f"案件 {before.case_no} 已被他人修改 case {before.case_no} changed since version 1 was read"
    )
    assert [row[:4] for row in timeline_of(case_id)] == [
        (1, None, "received", "intake"),
        (2, "received", "triaged", "triage"),
    ]


@pytest.mark.parametrize("statement", ["UPDATE transitions SET reason = 'edited'", "DELETE FROM transitions"])
def test_the_timeline_cannot_be_rewritten(network, statement):
    register(a_new_case(channel_ref="APPEND-1"))
    with UnitOfWork(engine()) as uow, pytest.raises(DBAPIError, match="transitions are append-only"):
        uow.conn.execute(text(statement))
