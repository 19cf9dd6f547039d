"""Properties of the domain, for any dispute type and any sequence of people's answers (hypothesis).

The loop below is the case flow without Prefect or a database: next_step() picks the step, the
step functions make the transition. Whatever people answer, the case ends closed, every move is
in the table, seq has no gap, and it never climbs past its path.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.models import steps
from fengqiao.models.case import HumanInput, StepKind, next_step
from fengqiao.models.transitions import is_allowed
from fengqiao.models.triage import triage
from fengqiao.models.vocabulary import InputKind, Outcome, Stage, Status
from tests.factories import AT, a_case, sample_network

NETWORK, RULES = sample_network()
SUMMARIES = ["邻里纠纷", "合同纠纷，原告已起诉", "工地欠薪工人聚集", "医院手术后遗症", "车祸赔偿"]


@settings(max_examples=300, deadline=None)
@given(
    dispute_type=st.sampled_from(sorted(NETWORK.paths)),
    summary=st.sampled_from(SUMMARIES),
    people=st.integers(min_value=1, max_value=40),
    answers=st.lists(st.sampled_from(list(Outcome)), max_size=8),
)
def test_any_answers_end_closed_through_allowed_moves_only(dispute_type, summary, people, answers):
    case = a_case(declared_type=dispute_type, summary=summary, people_involved=people)
    inputs: dict = {}
    timeline = []
    pending = iter(answers)
    for _ in range(64):
        path = NETWORK.path_if_known(case.dispute_type)
        step = next_step(case, inputs, path)
        if step.kind is StepKind.DONE:
            break
        if step.kind is StepKind.WAIT:
            assert step.wait is not None
            value = (
                next(pending, Outcome.AGREEMENT).value
                if step.wait.kind is InputKind.OUTCOME
                else ("opinion" if step.wait.kind is InputKind.EXPERT_OPINION else "judgment")
            )
            kind = steps.input_kind_for(step.wait.kind, value)
            round_ = steps.check_input(case, path, step.wait.kind, value)
            inputs[(kind, round_)] = HumanInput(kind, round_, value, actor="person")
            continue
        before = case
        match step.kind:
            case StepKind.TRIAGE:
                decision = triage(
                    RULES,
                    NETWORK.paths,
                    declared_type=case.declared_type,
                    summary=case.summary,
                    people_involved=case.people_involved,
                )
                case, record = steps.apply_triage(case, decision, at=AT)
            case StepKind.HAND_OFF_UNSUITABLE:
                case, record = steps.hand_off_unsuitable(case, at=AT)
            case StepKind.ASSIGN:
                case, record = steps.assign(case, NETWORK, path, parties=(), open_cases={}, at=AT)
            case StepKind.APPLY_OUTCOME:
                case, record = steps.apply_outcome(
                    case, inputs[(InputKind.OUTCOME, case.attempt)], NETWORK, path, at=AT
                )
            case StepKind.APPLY_EXIT:
                case, record = steps.apply_exit(case, inputs[(InputKind.EXIT, 1)], path, at=AT)
            case StepKind.RECORD_OPINION:
                case, record = steps.record_opinion(case, inputs[(InputKind.EXPERT_OPINION, case.attempt + 1)], at=AT)
            case StepKind.CLOSE:
                case, record = steps.close(case, inputs.get((InputKind.HANDOFF_RESULT, 1)), at=AT)
        assert is_allowed(before.status, case.status, record.stage)
        timeline.append(record)

    assert case.status is Status.CLOSED
    assert [t.seq for t in timeline] == list(range(2, len(timeline) + 2))
    path = NETWORK.path_for(case.dispute_type)
    assert case.attempt <= len(path.steps) and case.path_step < len(path.steps)
    assert sum(t.stage is Stage.ASSIGNMENT for t in timeline) == case.attempt
    assert [t.to_status for t in timeline].count(Status.CLOSED) == 1
    if (
        case.attempt
        and case.handoff_target
        and timeline[-2].stage is Stage.HANDOFF
        and timeline[-2].rule.endswith("on_failed")
    ):
        assert case.handoff_target is path.on_failed
