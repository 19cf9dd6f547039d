"""next_step(): what a stored case needs next, including the waits for people."""

from __future__ import annotations

import pytest

from fengqiao.models.case import HumanInput, Step, StepKind, Wait, next_step
from fengqiao.models.errors import InvalidInput, NotWaitingForInput
from fengqiao.models.steps import check_input
from fengqiao.models.vocabulary import HandoffTarget, InputKind, Status
from tests.factories import a_case, sample_network

NETWORK, _ = sample_network()
TRAFFIC = NETWORK.paths["traffic"]
NEIGHBOURHOOD = NETWORK.paths["neighbourhood"]


def inp(kind: InputKind, round_: int, value: str = "agreement") -> dict:
    return {(kind, round_): HumanInput(kind, round_, value)}


@pytest.mark.parametrize(
    ("case", "inputs", "path", "expected"),
    [
        (a_case(status=Status.RECEIVED), {}, None, Step(StepKind.TRIAGE)),
        (
            a_case(status=Status.TRIAGED, dispute_type="neighbourhood", path_step=0),
            {},
            NEIGHBOURHOOD,
            Step(StepKind.ASSIGN),
        ),
        (
            a_case(status=Status.TRIAGED, handoff_target=HandoffTarget.LITIGATION),
            {},
            None,
            Step(StepKind.HAND_OFF_UNSUITABLE),
        ),
        (
            a_case(status=Status.MEDIATING, attempt=1),
            {},
            NEIGHBOURHOOD,
            Step(StepKind.WAIT, Wait(InputKind.OUTCOME, 1)),
        ),
        (
            a_case(status=Status.MEDIATING, attempt=2),
            inp(InputKind.OUTCOME, 1),
            NEIGHBOURHOOD,
            Step(StepKind.WAIT, Wait(InputKind.OUTCOME, 2)),
        ),
        (
            a_case(status=Status.MEDIATING, attempt=1),
            inp(InputKind.OUTCOME, 1),
            NEIGHBOURHOOD,
            Step(StepKind.APPLY_OUTCOME, Wait(InputKind.OUTCOME, 1)),
        ),
        (
            a_case(status=Status.ESCALATED, attempt=1, path_step=1),
            {},
            TRAFFIC,
            Step(StepKind.WAIT, Wait(InputKind.EXPERT_OPINION, 2)),
        ),
        (
            a_case(status=Status.ESCALATED, attempt=1, path_step=1),
            inp(InputKind.EXPERT_OPINION, 2, "70/30"),
            TRAFFIC,
            Step(StepKind.RECORD_OPINION, Wait(InputKind.EXPERT_OPINION, 2)),
        ),
        (a_case(status=Status.ESCALATED, attempt=1, path_step=1, opinion_step=1), {}, TRAFFIC, Step(StepKind.ASSIGN)),
        (a_case(status=Status.ESCALATED, attempt=1, path_step=1), {}, NEIGHBOURHOOD, Step(StepKind.ASSIGN)),
        (a_case(status=Status.HANDED_OFF), {}, None, Step(StepKind.WAIT, Wait(InputKind.HANDOFF_RESULT, 1))),
        (
            a_case(status=Status.HANDED_OFF),
            inp(InputKind.HANDOFF_RESULT, 1, "judgment"),
            None,
            Step(StepKind.CLOSE, Wait(InputKind.HANDOFF_RESULT, 1)),
        ),
        (a_case(status=Status.RESOLVED), {}, None, Step(StepKind.CLOSE)),
        (a_case(status=Status.WITHDRAWN), {}, None, Step(StepKind.CLOSE)),
        (a_case(status=Status.CLOSED), {}, None, Step(StepKind.DONE)),
        (
            a_case(status=Status.ESCALATED, attempt=1, path_step=1),
            inp(InputKind.EXIT, 1, "withdrawn"),
            TRAFFIC,
            Step(StepKind.APPLY_EXIT),
        ),
        (
            a_case(status=Status.HANDED_OFF),
            inp(InputKind.EXIT, 1, "refused"),
            None,
            Step(StepKind.WAIT, Wait(InputKind.HANDOFF_RESULT, 1)),
        ),
    ],
)
def test_next_step(case, inputs, path, expected):
    assert next_step(case, inputs, path) == expected


def test_the_next_step_is_shown_as_what_the_case_waits_for_or_the_step_itself():
    """GET /cases/{id} shows next_step's label: an answer stored and not yet applied is the step that applies it."""
    mediating = a_case(status=Status.MEDIATING, dispute_type="neighbourhood", path_step=0, attempt=1)
    assert next_step(mediating, {}, NEIGHBOURHOOD).label == "waiting:outcome"
    assert next_step(mediating, inp(InputKind.OUTCOME, 1), NEIGHBOURHOOD).label == "apply_outcome"
    assert next_step(mediating, inp(InputKind.EXIT, 1, "refused"), NEIGHBOURHOOD).label == "apply_exit"
    assert next_step(a_case(status=Status.RECEIVED), {}, None).label == "triage"


def test_an_outcome_for_a_case_not_mediating_is_refused_with_the_reason():
    case = a_case(status=Status.RESOLVED, dispute_type="neighbourhood", path_step=0, attempt=1)
    with pytest.raises(NotWaitingForInput, match=r"^case FQ20260000001 is resolved and not waiting for outcome$"):
        check_input(case, NEIGHBOURHOOD, InputKind.OUTCOME, "agreement")


def test_an_unknown_outcome_names_the_record_and_field():
    case = a_case(status=Status.MEDIATING, attempt=1)
    with pytest.raises(InvalidInput) as exc:
        check_input(case, NEIGHBOURHOOD, InputKind.OUTCOME, "settled")
    assert exc.value.message == (
        "record FQ20260000001, field result: 取值不在允许范围 unknown outcome 'settled'; "
        "expected one of agreement, oral_agreement, failed, refused, withdrawn"
    )


def test_withdrawal_is_accepted_while_waiting_for_an_expert():
    case = a_case(status=Status.ESCALATED, attempt=1, path_step=1)
    assert check_input(case, TRAFFIC, InputKind.OUTCOME, "withdrawn") == 1
