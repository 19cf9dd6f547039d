"""What one case contributes to the statistics, and how a change of the case changes them.

The statistics of a coordination centre are sums over every case it ever registered: a million
rows in a city after a few years. Rather than scan them on each look, each case adds its facts to
a few counters (one per dimension: all, status, type, channel, outcome, handoff target, refusal,
people involved), keyed by the month it was
registered, its street and the organisation holding it; a change of the case moves its
contribution from one counter to another, in the transaction of the change. Reading the figures
then sums a few thousand counters.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fengqiao.models.case import Case
from fengqiao.models.clocks import CST
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Level, Outcome, Stage, Status

AREA_DIGITS = 9  # counters are kept by street (township): the first nine digits of an area code
LOWEST_LEVELS = frozenset({Level.COMMUNITY, Level.GRID})  # 小事不出村: resolved where it arose


class CaseOutcome(StrEnum):
    """How a case ended (or that it has not): the last of resolved, handed off, withdrawn it reached."""

    OPEN = "open"
    RESOLVED = "resolved"
    HANDED_OFF = "handed_off"
    WITHDRAWN = "withdrawn"


OUTCOME_ZH = {
    "open": "办理中",
    "resolved": "调解成功",
    "handed_off": "导入诉讼/仲裁/复议",
    "refused": "拒绝调解",
    "withdrawn": "撤回",
}
DIMENSIONS = ("all", "status", "type", "channel", "outcome", "handoff", "refused", "people")
REFUSAL_RULE = "voluntary:refused"  # the rule models.steps.apply_exit records when a party refuses mediation
COUNTERS = ("cases", "closed", "close_days", "resolved", "mediated", "lowest", "written", "oral", "parties")


class Agreement(StrEnum):
    """The kind of agreement that resolved a case (书面协议 / 口头协议), kept on the case (cases.agreement)."""

    WRITTEN = "written"
    ORAL = "oral"


def agreement_after(previous: str | None, record: Transition) -> str | None:
    """A resolution records its agreement's kind (its reason is the outcome: models.steps.apply_outcome)."""
    if record.stage is Stage.RESOLUTION:
        return Agreement.ORAL if record.reason == Outcome.ORAL_AGREEMENT else Agreement.WRITTEN
    return previous


def refused_in_after(previous: str | None, record: Transition, outcome: str) -> str | None:
    """The status a party refused mediation in, kept while the case stands handed off by that refusal.

    A refusal is a handoff to the path's on_refused target (models.steps.apply_exit), but it is not
    a handoff after mediation: refused while its first mediator was assigned, no attempt took place.
    """
    if record.rule == REFUSAL_RULE and record.from_status is not None:
        return record.from_status.value
    return previous if outcome == CaseOutcome.HANDED_OFF else None


def attempts_made(attempt: int, refused_in: str | None, *, sat: bool = False) -> int:
    """Mediation attempts that began (调解): a refusal while mediating ends its attempt before it
    began, unless a session of that attempt was recorded (调解笔录: the parties sat, so it began).

    sat: a session record of the case's current attempt (the one a refusal while mediating ended)."""
    return attempt - 1 if refused_in == Status.MEDIATING and attempt > 0 and not sat else attempt


def people_counted(people_involved: int, parties: int) -> int:
    """涉及当事人人数 of a case: the people its record says were involved, and never fewer than the
    parties recorded on it (a walk-in record naming two parties under the default 1 involved two)."""
    return max(people_involved, parties)


def outcome_after(previous: str, status: Status) -> CaseOutcome:
    """A closed case keeps the outcome it closed with; a re-opened one is open again."""
    if status in (Status.RESOLVED, Status.HANDED_OFF, Status.WITHDRAWN):
        return CaseOutcome(status.value)
    if status is Status.CLOSED:
        return CaseOutcome(previous)
    return CaseOutcome.OPEN


@dataclass(frozen=True)
class Facts:
    month: str  # YYYY-MM of registration, China time
    area: str  # the street: area code's first nine digits
    org_code: str  # the organisation holding the case; "" before assignment
    status: str
    dispute_type: str  # "" before triage
    channel: str
    outcome: str
    closed_days: int | None  # China-time days from registration to closing; None while not closed
    mediated: bool  # 调解: at least one mediation attempt began (models.figures.attempts_made)
    lowest: bool  # resolved at community or grid level
    agreement: str = ""  # written | oral while the case stands resolved by one; "" otherwise
    handoff: str = ""  # the target while the case stands handed off; "" otherwise
    people: int = 1  # people involved (涉及当事人人数): people_counted
    refused: str = ""  # the target a party's refusal sent it to while it stands so; "" otherwise
    test: bool = False  # a test key's case: it counts nowhere


def facts_of(
    case: Case,
    *,
    created_at: datetime,
    level: str | None,
    outcome: str,
    closed_at: datetime | None,
    agreement: str | None = None,
    refused_in: str | None = None,
    parties: int = 0,
    sat: bool = False,
) -> Facts:
    """parties: the parties recorded on the case; sat: a session of its current attempt was recorded."""
    resolved = outcome == CaseOutcome.RESOLVED
    refused = outcome == CaseOutcome.HANDED_OFF and refused_in is not None
    return Facts(
        month=created_at.astimezone(CST).strftime("%Y-%m"),
        area=case.area_code[:AREA_DIGITS],
        org_code=case.org_code or "",
        status=case.status.value,
        dispute_type=case.dispute_type or "",
        channel=case.channel.value,
        outcome=outcome,
        closed_days=(closed_at.astimezone(CST).date() - created_at.astimezone(CST).date()).days
        if closed_at is not None
        else None,
        mediated=attempts_made(case.attempt, refused_in if refused else None, sat=sat) > 0,
        lowest=resolved and level in LOWEST_LEVELS,
        agreement=(agreement or Agreement.WRITTEN) if resolved else "",
        handoff=(case.handoff_target or "") if outcome == CaseOutcome.HANDED_OFF and not refused else "",
        people=people_counted(case.people_involved, parties),
        refused=(case.handoff_target or "") if refused else "",
        test=case.test,
    )


Key = tuple[str, str, str, str, str]  # month, area, org_code, dimension, value


def contribution(f: Facts) -> dict[Key, tuple[int, ...]]:
    """The counters one case adds: the same numbers under each dimension's value (none for a test case)."""
    if f.test:
        return {}
    counts = (
        1,
        int(f.closed_days is not None),
        f.closed_days or 0,
        int(f.outcome == CaseOutcome.RESOLVED),
        int(f.mediated),
        int(f.lowest),
        int(f.agreement == Agreement.WRITTEN),
        int(f.agreement == Agreement.ORAL),
        f.people,
    )
    values = {
        "all": "*",
        "status": f.status,
        "type": f.dispute_type,
        "channel": f.channel,
        "outcome": "refused" if f.refused else f.outcome,
        "handoff": f.handoff,
        "refused": f.refused,
        "people": str(f.people),
    }
    return {(f.month, f.area, f.org_code, d, values[d]): counts for d in DIMENSIONS}


def change(before: Facts | None, after: Facts) -> dict[Key, tuple[int, ...]]:
    """after's contribution minus before's, without the counters that did not move."""
    delta: dict[Key, Counter[int]] = {}
    for sign, facts in ((-1, before), (1, after)):
        if facts is None:
            continue
        for key, counts in contribution(facts).items():
            c = delta.setdefault(key, Counter())
            for i, n in enumerate(counts):
                c[i] += sign * n
    return {key: tuple(c[i] for i in range(len(COUNTERS))) for key, c in sorted(delta.items()) if any(c.values())}
