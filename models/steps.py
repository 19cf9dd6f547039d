"""What each step of the pipeline does to a case: pure functions returning (case after, transition).

The tasks load a case, call one of these, and store the result in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from fengqiao.models.answers import answer_round, stored_kind
from fengqiao.models.assignment import choose
from fengqiao.models.case import Case, HumanInput, Party, pending_wait
from fengqiao.models.network import EscalationPath, Network
from fengqiao.models.transitions import SYSTEM, Moved, transition
from fengqiao.models.triage import TriageDecision
from fengqiao.models.vocabulary import (
    AGREEMENTS,
    HandoffTarget,
    InputKind,
    Outcome,
    Stage,
    Status,
    bilingual,
)


def apply_triage(case: Case, decision: TriageDecision, *, at: datetime) -> Moved:
    return transition(
        case,
        Status.TRIAGED,
        stage=Stage.TRIAGE,
        actor=SYSTEM,
        reason=decision.reason,
        rule=decision.rule,
        at=at,
        dispute_type=decision.dispute_type,
        risk=decision.risk,
        path_step=decision.start_step,
        handoff_target=decision.unsuitable,
    )


def hand_off_unsuitable(case: Case, *, at: datetime) -> Moved:
    target = case.handoff_target or HandoffTarget.LITIGATION
    return transition(
        case,
        Status.HANDED_OFF,
        stage=Stage.HANDOFF,
        actor=SYSTEM,
        reason=f"不适宜调解，导入{bilingual(target)}",
        rule="not_suitable",
        at=at,
    )


def assign(
    case: Case,
    network: Network,
    path: EscalationPath,
    *,
    parties: tuple[Party, ...],
    open_cases: dict[str, int],
    at: datetime,
) -> Moved:
    """Give the case to the organisation of its current step and to one of its mediators."""
    step_index = max(case.path_step, 0)
    step = path.steps[step_index]
    room = network.room_for(step, case.area_code, case.channel) if case.attempt == 0 else None
    org = room or network.org_for_step(step, case.area_code)
    choice = choose(
        network, org, dispute_type=case.dispute_type or "", risk=case.risk, parties=parties, open_cases=open_cases
    )
    mediator = choice.mediator
    reason = f"assigned to mediator {mediator.code} ({mediator.grade}), attempt {case.attempt + 1}"
    if room:
        reason += f", in the stationed room {room.code} at {room.host} (派驻调解室)"
    return transition(
        case,
        Status.MEDIATING,
        stage=Stage.ASSIGNMENT,
        actor=SYSTEM,
        reason="; ".join((reason, *choice.notes)),
        rule=f"stationed_room;{choice.rule}" if room else choice.rule,
        at=at,
        org_code=choice.org.code,
        mediator=mediator.code,
        path_step=step_index,
        attempt=case.attempt + 1,
    )


def apply_outcome(case: Case, outcome: HumanInput, network: Network, path: EscalationPath, *, at: datetime) -> Moved:
    """An agreement resolves; a failure climbs the path, or leaves it for the legal track at the top."""
    result = Outcome(outcome.value)
    note = outcome.note  # the mediator's words: kept out of the reason (models.transitions)
    if result in AGREEMENTS:
        return transition(
            case, Status.RESOLVED, stage=Stage.RESOLUTION, actor=outcome.actor, reason=str(result), note=note, at=at
        )
    next_index = case.path_step + 1
    if next_index < len(path.steps):
        step = path.steps[next_index]
        org = network.org_for_step(step, case.area_code)
        return transition(
            case,
            Status.ESCALATED,
            stage=Stage.ESCALATION,
            actor=outcome.actor,
            reason=f"failed at {path.steps[case.path_step].label}, escalated to {step.label}",
            note=note,
            rule=f"path:{path.dispute_type}[{next_index}]",
            at=at,
            path_step=next_index,
            org_code=org.code,
            mediator=None,
        )
    return transition(
        case,
        Status.HANDED_OFF,
        stage=Stage.HANDOFF,
        actor=outcome.actor,
        reason=f"failed at the top of the path, handed off to {path.on_failed}",
        note=note,
        rule=f"path:{path.dispute_type}.on_failed",
        at=at,
        handoff_target=path.on_failed,
    )


def apply_exit(case: Case, exit_input: HumanInput, path: EscalationPath | None, *, at: datetime) -> Moved:
    note = exit_input.note
    if Outcome(exit_input.value) is Outcome.WITHDRAWN:
        return transition(
            case, Status.WITHDRAWN, stage=Stage.WITHDRAWAL, actor=exit_input.actor, reason="withdrawn", note=note, at=at
        )
    target = path.on_refused if path else HandoffTarget.LITIGATION
    return transition(
        case,
        Status.HANDED_OFF,
        stage=Stage.HANDOFF,
        actor=exit_input.actor,
        reason=f"a party refused mediation, handed off to {target}",
        note=note,
        rule="voluntary:refused",
        at=at,
        handoff_target=target,
    )


def record_opinion(case: Case, opinion: HumanInput, *, at: datetime) -> Moved:
    return transition(
        case,
        Status.ESCALATED,
        stage=Stage.EXPERT_OPINION,
        actor=opinion.actor,
        reason="expert opinion given",
        note=opinion.value,
        at=at,
        expert=opinion.actor,
        opinion_step=case.path_step,
    )


def close(case: Case, result: HumanInput | None, *, at: datetime) -> Moved:
    if result is not None:  # the receiving body's words, as its integrator sent them
        reason, note, actor = f"result from {case.handoff_target}", result.value, result.actor
    else:
        reason = {Status.RESOLVED: "agreement archived", Status.WITHDRAWN: "withdrawal archived"}[case.status]
        note, actor = "", SYSTEM
    return transition(case, Status.CLOSED, stage=Stage.CLOSING, actor=actor, reason=reason, note=note, at=at)


def check_input(case: Case, path: EscalationPath | None, kind: InputKind, value: str) -> int:
    """The round this input answers now; refuses input the case is not waiting for (models.answers)."""
    round_ = answer_round(case, pending_wait(case, path), {}, kind, value)
    assert isinstance(round_, int)  # with nothing stored there is nothing to give back
    return round_


input_kind_for = stored_kind
