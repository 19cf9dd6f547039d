"""Case subsidies (以案定补 / 以奖代补 / 一案一奖励): what each mediator and committee earns in a month.

A tariff is administrators' data: rules, each paying a sum in yuan for a case that concluded in a
way it names (a written or oral agreement, or a handoff after mediation) and, if it says so, of a
dispute type, channel, level, difficulty (attempts, people involved) or risk. A case earns each
rule it matches once, in the month (China time) of its first conclusion: the mediator holding it
then (kept on the case, `cases.concluded_by`) and the committee that concluded it are credited.

Tariffs are versioned by the month they take effect from; a month's statement uses the tariff in
force in that month. A month that has ended is closed: a new tariff may not take effect in a
closed month that a tariff already covered, so a closed month's statement never changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Stage, Status

RESULTS = ("written", "oral", "handed_off")


def concludes(record: Transition) -> bool:
    """A move that concludes mediation: an agreement, or a handoff after an attempt (not an unsuitable case's)."""
    mediated = record.from_status in (Status.MEDIATING, Status.ESCALATED)
    return record.stage is Stage.RESOLUTION or (record.stage is Stage.HANDOFF and mediated)


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    yuan: int
    results: tuple[str, ...]
    dispute_types: tuple[str, ...] = ()  # empty: any
    channels: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    min_attempts: int = 0
    min_people: int = 0
    risk: str | None = None

    def pays_for(self, c: Concluded) -> bool:
        return (
            c.result in self.results
            and (not self.dispute_types or c.dispute_type in self.dispute_types)
            and (not self.channels or c.channel in self.channels)
            and (not self.levels or c.level in self.levels)
            and c.attempts >= self.min_attempts
            and c.people >= self.min_people
            and (self.risk is None or c.risk == self.risk)
        )


@dataclass(frozen=True)
class Tariff:
    version: int
    effective_from: str  # YYYY-MM
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Concluded:
    """A case's first conclusion, as the timeline recorded it."""

    case_no: str
    month: str
    result: str  # written | oral | handed_off
    dispute_type: str
    channel: str
    level: str
    org_code: str
    mediator: str
    attempts: int
    people: int
    risk: str
    days: int = 0  # China-time days from its first assignment to its conclusion (积分制's workload)


@dataclass(frozen=True)
class Item:
    case_no: str
    org_code: str
    mediator: str
    result: str
    rules: tuple[str, ...]
    yuan: int


@dataclass(frozen=True)
class Statement:
    month: str
    tariff_version: int | None
    tariff_from: str | None
    items: tuple[Item, ...]
    by_mediator: dict[str, int] = field(default_factory=dict)
    by_org: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(i.yuan for i in self.items)


def statement(month: str, concluded: Iterable[Concluded], tariff: Tariff | None) -> Statement:
    """Each concluded case with the rules it earns once each; sums by mediator and by committee."""
    items = []
    for c in sorted(concluded, key=lambda c: c.case_no):
        earned = [r for r in tariff.rules if r.pays_for(c)] if tariff else []
        if earned:
            rules = tuple(r.name for r in earned)
            items.append(Item(c.case_no, c.org_code, c.mediator, c.result, rules, sum(r.yuan for r in earned)))
    by_mediator: dict[str, int] = defaultdict(int)
    by_org: dict[str, int] = defaultdict(int)
    for i in items:
        by_mediator[i.mediator] += i.yuan
        by_org[i.org_code] += i.yuan
    return Statement(
        month,
        tariff.version if tariff else None,
        tariff.effective_from if tariff else None,
        tuple(items),
        dict(sorted(by_mediator.items())),
        dict(sorted(by_org.items())),
    )


def in_force(month: str, tariffs: Sequence[Tariff]) -> Tariff | None:
    """The tariff of a month: the latest to take effect by then (the later stored of two from one month)."""
    return max(
        (t for t in tariffs if t.effective_from <= month), key=lambda t: (t.effective_from, t.version), default=None
    )


def closed_months_changed(effective_from: str, stored: Sequence[str], current_month: str) -> tuple[str, str] | None:
    """The closed months [first, last) a new tariff from effective_from would change, or None.

    It governs the months from effective_from until the next stored tariff takes effect; of those,
    the ones that have ended and that a stored tariff already covered would get a new statement.
    """
    if not stored:
        return None
    later = [m for m in stored if m > effective_from]
    first = max(effective_from, min(stored))
    until = min([*later, current_month])
    return (first, until) if first < until else None
