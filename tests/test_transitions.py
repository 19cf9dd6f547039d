"""The state machine: every allowed move succeeds, every other move is refused with the exact error."""

from __future__ import annotations

import itertools

import pytest

from fengqiao.models.errors import TransitionNotAllowed
from fengqiao.models.transitions import ALLOWED, transition
from fengqiao.models.vocabulary import OPEN_STATUSES, Stage, Status
from tests.factories import AT, a_case

ALLOWED_MOVES = sorted(((f, t, s) for (f, t), stages in ALLOWED.items() if f is not None for s in stages), key=str)
ALL_MOVES = list(itertools.product(list(Status), list(Status), list(Stage)))
REFUSED_MOVES = [m for m in ALL_MOVES if (m[0], m[1]) not in ALLOWED or m[2] not in ALLOWED[(m[0], m[1])]]


@pytest.mark.parametrize(("from_status", "to_status", "stage"), ALLOWED_MOVES)
def test_allowed_move_changes_status_version_and_records_it(from_status, to_status, stage):
    case = a_case(status=from_status, version=4, org_code="C-ZHAOYANG")

    after, record = transition(case, to_status, stage=stage, actor="M-C01", reason="why", at=AT)

    assert (after.status, after.version) == (to_status, 5)
    assert record.seq == 5
    assert (record.from_status, record.to_status, record.stage, record.actor, record.org) == (
        from_status,
        to_status,
        stage,
        "M-C01",
        "C-ZHAOYANG",
    )


@pytest.mark.parametrize(("from_status", "to_status", "stage"), REFUSED_MOVES)
def test_any_other_move_is_refused(from_status, to_status, stage):
    case = a_case(status=from_status)

    with pytest.raises(TransitionNotAllowed) as exc:
        transition(case, to_status, stage=stage, actor="x", reason="", at=AT)

    assert str(exc.value) == f"不允许的流转 case FQ20260000001: {from_status} → {to_status} by {stage} is not allowed"


def test_the_table_is_exactly_the_documented_pipeline():
    moves = {(f and str(f), str(t), str(s)) for (f, t), stages in ALLOWED.items() for s in stages}
    assert moves == {
        (None, "received", "intake"),
        ("received", "triaged", "triage"),
        ("triaged", "mediating", "assignment"),
        ("mediating", "resolved", "resolution"),
        ("mediating", "escalated", "escalation"),
        ("escalated", "escalated", "expert_opinion"),
        ("escalated", "mediating", "assignment"),
        ("resolved", "closed", "closing"),
        ("handed_off", "closed", "closing"),
        ("withdrawn", "closed", "closing"),
        *((s, "handed_off", "handoff") for s in ("received", "triaged", "mediating", "escalated")),
        *((s, "withdrawn", "withdrawal") for s in ("received", "triaged", "mediating", "escalated")),
        # 并单: risk raised by repeated reports (status kept), a duplicate split off or merged
        *((s, s, "duplicate") for s in ("received", "triaged", "mediating", "escalated")),
        *((s, s, "reconfiguration") for s in ("received", "triaged", "mediating", "escalated")),
        ("mediating", "mediating", "clock"),  # 时限: paused, resumed, extended
        ("mediating", "mediating", "session"),  # 调解笔录: a session recorded
        *(("closed", s, "follow_up") for s in ("closed", "triaged", "handed_off")),  # 回访
        ("received", "closed", "duplicate"),
    }


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_refusal_and_withdrawal_are_reachable_from_every_open_status(status):
    case = a_case(status=status)

    assert (
        transition(case, Status.WITHDRAWN, stage=Stage.WITHDRAWAL, actor="p", reason="", at=AT)[0].status == "withdrawn"
    )
    assert (
        transition(case, Status.HANDED_OFF, stage=Stage.HANDOFF, actor="p", reason="", at=AT)[0].status == "handed_off"
    )


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED, Status.WITHDRAWN, Status.HANDED_OFF])
def test_a_case_that_left_mediation_cannot_be_withdrawn(status):
    with pytest.raises(TransitionNotAllowed):
        transition(a_case(status=status), Status.WITHDRAWN, stage=Stage.WITHDRAWAL, actor="p", reason="", at=AT)


def test_a_closed_case_moves_only_by_a_follow_up_visit():
    moves = {(t, s) for (f, t), stages in ALLOWED.items() if f is Status.CLOSED for s in stages}
    assert moves == {(s, Stage.FOLLOW_UP) for s in (Status.CLOSED, Status.TRIAGED, Status.HANDED_OFF)}
