"""Case subsidies (以案定补 / 以奖代补 / 一案一奖励): what each mediator and committee earns in a month.

A tariff is administrators' data: rules, each paying a sum in yuan for a case that concluded in a
way it names (a written or oral agreement, a handoff after mediation, or a party's refusal) and, if
it says so, of a dispute type, channel, level, difficulty (attempts, people involved) or risk. A
case earns each rule it matches once, in the month (China time) of its first conclusion. Attempts
and people are counted as the statistics count them (models.figures): the attempts that began, as
调解 (a refused attempt began only if a session of it was recorded), and the people as 涉及当事人人数
(never fewer than the parties recorded), so a 群体性纠纷 of the statistics is one to `min_people`.

Who is paid is the tariff's `share`: `split` (the default) divides a case's sum equally between
its attempts that began (as 调解 counts them: not one refused with no session recorded), each
attempt's share to the mediator and committee that conducted it (whole yuan, the remainder to the
last attempt), so a case failed at a community and settled at a street pays both; `concluding`
pays it all to the mediator holding the case when it concluded and that committee. A tariff
stored before `share` existed pays as it did then: `concluding`.

A refusal (当事人拒绝调解) is its own result, `refused`, never `handed_off`: a case a party would not
mediate was not mediated, so the tariff pays it only through a rule naming `refused` (with
`min_attempts: 1`, only a refusal after an attempt began).

Tariffs are versioned by the month they take effect from; a month's statement uses the tariff in
force in that month. A month that has ended is closed: a new tariff may not take effect in a
closed month that a tariff already covered, so a closed month's statement never changes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fengqiao.models.errors import InvalidInput
from fengqiao.models.months import month_of
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Stage, Status

RESULTS = ("written", "oral", "handed_off", "refused")
RESULT_LABELS = {
    "written": "书面协议 written agreement",
    "oral": "口头协议 oral agreement",
    "handed_off": "调解不成导入法治轨道 handed off after mediation",
    "refused": "当事人拒绝调解 a party refused mediation",
}
SHARES = ("split", "concluding")
REFUSED = "voluntary:refused"  # the rule of a refusal's handoff (models.steps.apply_exit)
ASSIGNED = re.compile(r"assigned to mediator (\S+) \(")  # an assignment's reason (models.steps.assign)
FORMATS = (".csv", ".pdf", ".html")  # what a statement is written in for the finance office


def concludes(record: Transition) -> bool:
    """A move that concludes mediation: an agreement, a handoff after an attempt (not an unsuitable
    case's), or a party's refusal at any open status (paid only by a rule naming `refused`)."""
    mediated = record.from_status in (Status.MEDIATING, Status.ESCALATED)
    refused = record.stage is Stage.HANDOFF and record.rule == REFUSED
    return record.stage is Stage.RESOLUTION or (record.stage is Stage.HANDOFF and mediated) or refused


def checked_month(text: str, current: str) -> str:
    """A month a statement or ranking can be made for: not after the current month (China time)."""
    if month_of(text) > current:
        raise InvalidInput(f"{text!r} 尚未开始 has not begun: 本月 this month is {current}", field="month")
    return text


def checked_format(name: str) -> str:
    """The statement's file kind from its name: .csv, .pdf or .html; else the error naming the file."""
    kind = name[name.rfind(".") :].lower() if "." in name.rsplit("/", 1)[-1] else ""
    if kind not in FORMATS:
        raise InvalidInput(
            f"{name!r} 不支持的格式 is not a format the statement is written in: {', '.join(FORMATS)}", field="out"
        )
    return kind


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
    share: str = "split"  # split | concluding: who of the case's mediators is paid (see the module's text)


@dataclass(frozen=True)
class Concluded:
    """A case's first conclusion, as the timeline recorded it."""

    case_no: str
    month: str
    result: str  # written | oral | handed_off | refused
    dispute_type: str
    channel: str
    level: str
    org_code: str
    mediator: str
    attempts: int  # the attempts that began before it (models.figures.attempts_made)
    people: int  # 涉及当事人人数 (models.figures.people_counted)
    risk: str
    days: int = 0  # China-time days from its first assignment to its conclusion (积分制's workload)
    conducted: tuple[tuple[str, str], ...] = ()  # each attempt's (mediator, committee), in order
    attempt_days: tuple[int, ...] = ()  # each attempt's days: to its escalation, else the next assignment


@dataclass(frozen=True)
class Share:
    """What one attempt's mediator and committee are paid for a case."""

    attempt: int  # 1, 2, …; 0 for a case concluded before any attempt (a refusal)
    mediator: str
    org_code: str
    yuan: int


@dataclass(frozen=True)
class Item:
    case_no: str
    org_code: str  # the committee that concluded it
    mediator: str  # the mediator holding it when it concluded
    result: str
    rules: tuple[str, ...]
    yuan: int
    shares: tuple[Share, ...] = ()


@dataclass(frozen=True)
class Statement:
    month: str
    tariff_version: int | None
    tariff_from: str | None
    items: tuple[Item, ...]
    by_mediator: dict[str, int] = field(default_factory=dict)
    by_org: dict[str, int] = field(default_factory=dict)
    share: str = "split"
    provisional: bool = False  # 未结账: the month is not over, so its figures may still change
    labels: dict[str, str] = field(default_factory=dict)  # each rule's label in the tariff

    @property
    def total(self) -> int:
        return sum(i.yuan for i in self.items)


def shares_of(c: Concluded, yuan: int, share: str) -> tuple[Share, ...]:
    """The case's sum by attempt (split) or all to the mediator who concluded it (concluding).

    Split pays the attempts that began (c.attempts, as 调解 counts them): an attempt refused with no
    session recorded was never mediated, so its mediator has no share of what the others did."""
    began = c.conducted[: c.attempts]
    if share == "concluding" or not began:
        return (Share(c.attempts, c.mediator, c.org_code, yuan),)
    n = len(began)
    each = yuan // n
    concluding = n == len(c.conducted)  # the last attempt paid is the one that concluded the case
    return tuple(
        Share(
            i, mediator or (c.mediator if i == n and concluding else ""), org, each if i < n else yuan - each * (n - 1)
        )
        for i, (mediator, org) in enumerate(began, start=1)
    )


def statement(
    month: str, concluded: Iterable[Concluded], tariff: Tariff | None, *, org: str | None = None
) -> Statement:
    """Each concluded case with the rules it earns once each and who is paid; sums by mediator and
    by committee. org: one committee's statement, its shares only."""
    items = []
    for c in sorted(concluded, key=lambda c: c.case_no):
        earned = [r for r in tariff.rules if r.pays_for(c)] if tariff else []
        if not (earned and tariff):
            continue
        shares = shares_of(c, sum(r.yuan for r in earned), tariff.share)
        if org is not None:
            shares = tuple(s for s in shares if s.org_code == org)
        if shares:
            rules = tuple(r.name for r in earned)
            yuan = sum(s.yuan for s in shares)
            items.append(Item(c.case_no, c.org_code, c.mediator, c.result, rules, yuan, shares))
    by_mediator: dict[str, int] = defaultdict(int)
    by_org: dict[str, int] = defaultdict(int)
    for s in (s for i in items for s in i.shares):
        by_mediator[s.mediator] += s.yuan
        by_org[s.org_code] += s.yuan
    return Statement(
        month,
        tariff.version if tariff else None,
        tariff.effective_from if tariff else None,
        tuple(items),
        dict(sorted(by_mediator.items())),
        dict(sorted(by_org.items())),
        tariff.share if tariff else "split",
        labels={r.name: r.label for r in tariff.rules} if tariff else {},
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
