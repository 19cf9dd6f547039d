"""Clocks on real cases: pauses and extensions in the timeline, and the deadline sweep moving overdue cases on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prefect.client.orchestration import get_client

from fengqiao.db import inputs as input_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.flows.case import case_flow
from fengqiao.flows.deadlines import deadline_sweep
from fengqiao.models.clocks import CST, PauseReason
from fengqiao.models.errors import InvalidInput
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.clocks import ClockChange, change_clock, deadlines, escalate_overdue
from fengqiao.services.runtime import engine, now
from tests.drive import register, timeline_of
from tests.factories import a_new_case


def mediating_case(ref: str, declared: str = "neighbourhood") -> tuple[str, int]:
    no, cid = register(a_new_case(channel_ref=ref, declared_type=declared))
    assert case_flow(cid) == "waiting:outcome"
    return no, cid


def test_pause_resume_and_extend_are_in_the_timeline_and_move_the_due_date(network):
    no, cid = mediating_case("D-1")
    today = now().astimezone(CST).date()
    [due] = deadlines(today)
    assert (due.case_no, due.clock.due, due.days_left) == (no, today + timedelta(days=30), 30)

    _, _, paused = change_clock(no, ClockChange.PAUSE, actor="M-C01", reason=PauseReason.PARTY_UNAVAILABLE)
    assert paused.due is None and deadlines(today)[0].days_left is None
    change_clock(no, ClockChange.RESUME, actor="M-C01")
    _, _, extended = change_clock(no, ClockChange.EXTEND, actor="M-C01", days=10, both_parties_consent=True)
    with pytest.raises(InvalidInput):
        change_clock(no, ClockChange.RESUME, actor="M-C01")

    assert extended.due == today + timedelta(days=40)
    assert [(t[3], t[6], t[7]) for t in timeline_of(cid)[3:]] == [
        ("clock", "pause:party_unavailable", "时限中止 clock paused: party_unavailable"),
        ("clock", "resume", "时限恢复 clock resumed"),
        ("clock", "extend:10", "双方同意延长10天 extended by 10 days with both parties' consent"),
    ]


def test_an_overdue_attempt_is_failed_with_reason_deadline_and_the_path_moves_the_case_on(network):
    _, cid = mediating_case("D-2")
    late = now().astimezone(CST).date() + timedelta(days=31)
    [due] = deadlines(late)
    assert due.days_left == -1

    assert escalate_overdue(due) is True
    assert escalate_overdue(due) is False  # the sweep running twice stores it once
    case_flow(cid)

    escalated = timeline_of(cid)[3]
    assert escalated[1:] == (
        "mediating",
        "escalated",
        "escalation",
        "S-XIJIAO",
        "fengqiao:deadline",
        "path:neighbourhood[1]",
        "failed at community, escalated to street",
    )


def test_the_sweep_flow_warns_near_deadlines_and_stores_the_overdue_outcome(network):
    near_no, _ = mediating_case("D-3")
    late_no, late_id = mediating_case("D-4", declared="labour")  # 15 days at the community
    day = now().astimezone(CST).date() + timedelta(days=28)

    state = deadline_sweep(day, return_state=True)
    result = state.result()

    assert result["clocks"] == 2 and result["near"] == [near_no] and list(result["overdue"]) == [late_no]
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.name == f"deadline-sweep-{day}"  # named for the day it sweeps, never at random
    with UnitOfWork(engine()) as uow:
        stored = input_store.get_inputs(uow.conn, late_id)[(InputKind.OUTCOME, 1)]
    assert (stored.value, stored.note, stored.actor) == ("failed", "deadline", "fengqiao:deadline")


def test_the_deadline_list_names_the_committee_and_the_mediator_beside_their_codes(network):
    from typer.testing import CliRunner

    from fengqiao.cli.main import app

    no, _ = mediating_case("D-5")
    today = now().astimezone(CST).date()

    result = CliRunner().invoke(app, ["deadlines", "--today", today.isoformat()])

    assert result.exit_code == 0, result.output
    due = today + timedelta(days=30)
    assert (
        f"│ {no} │ 朝阳社区人民调解委员会 C-ZHAOYANG │ 卫红 M-C01      │ {today}   │ 30 日 days │ {due} │ 30        │"
        in result.output.splitlines()
    )
