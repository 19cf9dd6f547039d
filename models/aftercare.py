"""After an agreement: the window for judicial confirmation (司法确认) and the follow-up visit (回访).

Parties to a written agreement may jointly ask a court to confirm it within 30 days of its
taking effect (人民调解法 Art. 33); an oral agreement (Art. 30) is not confirmed, so it has no such
window. The mediation committee visits the parties later to see that it is honoured. A visit
that finds it broken re-opens mediation at the rung that reached it, or hands the case off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from fengqiao.models.agreements import AgreementTerms, follow_up_on
from fengqiao.models.case import Case
from fengqiao.models.clocks import day_of
from fengqiao.models.errors import InvalidInput, NotWaitingForInput
from fengqiao.models.transitions import Moved, Transition, transition
from fengqiao.models.vocabulary import Outcome, Stage, Status

if TYPE_CHECKING:  # named in signatures only: the command line's --if-broken needs no network
    from fengqiao.models.network import AftercareRules, EscalationPath


@dataclass(frozen=True)
class Aftercare:
    agreed_on: date
    confirm_by: date | None  # the last day to ask a court for judicial confirmation; None: an oral agreement
    visit_on: date  # when the follow-up visit is due


class IfBroken(StrEnum):
    REOPEN = "reopen"  # mediate again at the same rung
    HAND_OFF = "hand_off"  # to the path's target for a failed mediation


def aftercare_of(
    timeline: Sequence[Transition], rules: AftercareRules, terms: AgreementTerms | None = None
) -> Aftercare | None:
    """From the last agreement in the timeline, if the case reached one; terms: that agreement's,
    whose performance deadline sets the visit (models.agreements.follow_up_on)."""
    agreed = next((t for t in reversed(timeline) if t.stage is Stage.RESOLUTION), None)
    if agreed is None:
        return None
    day = day_of(agreed.at)
    oral = agreed.reason == Outcome.ORAL_AGREEMENT  # a resolution's reason is its outcome (models.steps)
    confirm_by = None if oral else day + timedelta(days=rules.judicial_confirmation_days)
    return Aftercare(day, confirm_by, follow_up_on(day, terms, rules.follow_up_days))


def follow_up(
    case: Case,
    path: EscalationPath,
    *,
    honoured: bool,
    satisfaction: int,
    if_broken: IfBroken,
    actor: str,
    at: datetime,
    visited: bool,
) -> Moved:
    """The visit's finding as a transition: honoured (stays closed), or re-opened, or handed off."""
    if case.status is not Status.CLOSED or not visited:
        raise NotWaitingForInput(
            f"案件 {case.case_no} 没有待回访的调解协议 case {case.case_no} has no agreement awaiting a follow-up visit",
            field="case",
        )
    if not 1 <= satisfaction <= 5:
        raise InvalidInput("满意度应为1到5 satisfaction must be 1 to 5", record=case.case_no, field="satisfaction")
    if honoured:
        why = f"回访：协议已履行 agreement honoured; satisfaction {satisfaction}/5"
        return transition(case, Status.CLOSED, stage=Stage.FOLLOW_UP, actor=actor, reason=why, rule="honoured", at=at)
    why = f"回访：协议未履行 agreement not honoured; satisfaction {satisfaction}/5"
    if if_broken is IfBroken.REOPEN:
        return transition(
            case,
            Status.TRIAGED,
            stage=Stage.FOLLOW_UP,
            actor=actor,
            reason=why + "; mediation re-opened",
            rule="not_honoured:reopen",
            at=at,
            mediator=None,
        )
    return transition(
        case,
        Status.HANDED_OFF,
        stage=Stage.FOLLOW_UP,
        actor=actor,
        reason=f"{why}; handed off to {path.on_failed}",
        rule="not_honoured:hand_off",
        at=at,
        handoff_target=path.on_failed,
    )
