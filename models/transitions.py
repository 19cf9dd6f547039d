"""Every allowed change of a case's status, in one table, and the one function that applies it.

A refusal (→ handed_off) and a withdrawal (→ withdrawn) are reachable from every open
status because mediation is voluntary: a party may leave at any time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fengqiao.models.errors import TransitionNotAllowed
from fengqiao.models.vocabulary import OPEN_STATUSES, Stage, Status

if TYPE_CHECKING:
    from fengqiao.models.case import Case

S = Status
ALLOWED: dict[tuple[Status | None, Status], frozenset[Stage]] = {
    (None, S.RECEIVED): frozenset({Stage.INTAKE}),
    (S.RECEIVED, S.TRIAGED): frozenset({Stage.TRIAGE}),
    (S.TRIAGED, S.MEDIATING): frozenset({Stage.ASSIGNMENT}),
    (S.MEDIATING, S.RESOLVED): frozenset({Stage.RESOLUTION}),
    (S.MEDIATING, S.ESCALATED): frozenset({Stage.ESCALATION}),
    (S.ESCALATED, S.ESCALATED): frozenset({Stage.EXPERT_OPINION, Stage.DUPLICATE, Stage.RECONFIGURATION}),
    (S.ESCALATED, S.MEDIATING): frozenset({Stage.ASSIGNMENT}),
    (S.RESOLVED, S.CLOSED): frozenset({Stage.CLOSING}),
    (S.HANDED_OFF, S.CLOSED): frozenset({Stage.CLOSING}),
    (S.WITHDRAWN, S.CLOSED): frozenset({Stage.CLOSING}),
    # not suitable for mediation (triaged), failed at the top (mediating), or refused (any open status)
    **{(s, S.HANDED_OFF): frozenset({Stage.HANDOFF}) for s in OPEN_STATUSES},
    **{(s, S.WITHDRAWN): frozenset({Stage.WITHDRAWAL}) for s in OPEN_STATUSES},
    # 并单: repeated reports raise an open case's risk (no status change); a suspected duplicate
    # is split off (stays received, then triaged as its own case) or merged (closed).
    # 配置迁移: an administrator moves an open case to another configuration version (no status change).
    (S.RECEIVED, S.RECEIVED): frozenset({Stage.DUPLICATE, Stage.RECONFIGURATION}),
    (S.TRIAGED, S.TRIAGED): frozenset({Stage.DUPLICATE, Stage.RECONFIGURATION}),
    # 调解笔录: a session of the attempt under way is recorded (no status change)
    (S.MEDIATING, S.MEDIATING): frozenset({Stage.DUPLICATE, Stage.RECONFIGURATION, Stage.CLOCK, Stage.SESSION}),
    (S.RECEIVED, S.CLOSED): frozenset({Stage.DUPLICATE}),
    # 回访: a follow-up visit finds the agreement honoured, or broken: mediation re-opens or the case leaves
    (S.CLOSED, S.CLOSED): frozenset({Stage.FOLLOW_UP}),
    (S.CLOSED, S.TRIAGED): frozenset({Stage.FOLLOW_UP}),
    (S.CLOSED, S.HANDED_OFF): frozenset({Stage.FOLLOW_UP}),
}


SYSTEM = "fengqiao"  # the actor of the moves the pipeline makes by itself


@dataclass(frozen=True)
class Transition:
    """One row of a case's timeline: seq is the case version it produced.

    reason is a sentence the system makes (what happened, by which rule); what a person wrote (a
    mediator's note, a refusal's, an expert opinion, a handoff result) is kept apart in note: it may
    hold personal data, so it is masked when shown, like a summary.
    """

    seq: int
    at: datetime
    from_status: Status | None
    to_status: Status
    stage: Stage
    actor: str
    reason: str
    org: str | None = None
    rule: str | None = None
    note: str = ""


Moved = tuple["Case", Transition]  # a case after a move, and the timeline row that records it


def is_allowed(from_status: Status | None, to_status: Status, stage: Stage) -> bool:
    return stage in ALLOWED.get((from_status, to_status), frozenset())


def transition(
    case: Case,
    to_status: Status,
    *,
    stage: Stage,
    actor: str,
    reason: str,
    at: datetime,
    rule: str | None = None,
    note: str = "",
    **changes: Any,
) -> Moved:
    """The case after the move and the timeline row that records it; refuses any move not in ALLOWED."""
    if not is_allowed(case.status, to_status, stage):
        raise TransitionNotAllowed(
            f"不允许的流转 case {case.case_no}: {case.status} → {to_status} by {stage} is not allowed", field="status"
        )
    after = replace(case, status=to_status, version=case.version + 1, **changes)
    record = Transition(
        seq=after.version,
        at=at,
        from_status=case.status,
        to_status=to_status,
        stage=stage,
        actor=actor,
        reason=reason,
        org=after.org_code,
        rule=rule,
        note=note,
    )
    return after, record
