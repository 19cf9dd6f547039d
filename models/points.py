"""Points (积分制): each mediator's and each mediation committee's points for a month.

The "studios" of 积分制 are, in this network, its organisations: the people's mediation committees
(调委会) and the stationed rooms (派驻调解室, such as a court's 诉调对接工作室) that held the cases, so
they are ranked as committees, by the organisation code the case was held at.

Points reward the cases a mediator concluded, the agreements among them, the workload (the
mediation sessions recorded, the days the concluded cases were in mediation) and the parties'
satisfaction at the follow-up visit (1 to 5). The weights are administrators' data (network YAML
`points:`); the figures are read from the timeline when asked, so the current month is live and
an earlier one is its history.

Who is credited with what (`credited`), as 以案定补 splits a case's sum by attempt:
- the workload goes to whoever did it, attempt by attempt: a session (调解笔录) to the mediator the
  assignment of its attempt named and that attempt's committee, in the month it was held; a
  concluded case's days to each attempt's mediator and committee, from that attempt's assignment
  to its end (the escalation that failed it, else the next assignment; the last attempt's to the
  conclusion), in the month the case concluded, so a case failed at a community and settled at a
  street credits both mediators their own days, and the days it waited between (for the next
  rung's assignment, an expert's opinion asked first) are no mediator's;
- the case and its agreement (`per_case`, `per_agreement`) to the mediator who concluded it and
  the committee it concluded at: the outcome is theirs, and a case counts once;
- the satisfaction at the follow-up visit to the mediator holding the case at the visit and that
  committee: the visit scores the agreement they reached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from fengqiao.models.subsidies import Concluded

CREDIT = (  # who is credited with what, said beside the formula on the page and the command line
    "归属：件数与协议记结案调解员，笔录与天数按调解轮次记各轮调解员，回访满意度记回访时的承办调解员 "
    "credit: the case and its agreement to who concluded it; sessions and days to each attempt's "
    "mediator; a visit's satisfaction to who holds the case at the visit"
)
AGREED = ("written", "oral")  # the results of models.subsidies that are agreements


@dataclass(frozen=True)
class PointsRules:
    """Points for each unit of work (network YAML `points:`)."""

    per_case: float = 10.0  # a case concluded (agreement, or handed off after mediation)
    per_agreement: float = 5.0  # of those, one that reached an agreement
    per_session: float = 2.0  # a mediation session recorded (调解笔录)
    per_day: float = 0.5  # a day a concluded case spent in mediation
    per_satisfaction: float = 1.0  # each point of satisfaction at a follow-up visit


@dataclass(frozen=True)
class Work:
    """One piece of credited work: a concluded case, a session or a follow-up visit, for a mediator and committee."""

    mediator: str
    committee: str
    cases: int = 0
    agreements: int = 0
    sessions: int = 0
    days: int = 0
    satisfaction: int = 0  # the visit's score
    visits: int = 0


@dataclass
class Tally:
    cases: int = 0
    agreements: int = 0
    sessions: int = 0
    days: int = 0
    satisfaction: int = 0
    visits: int = 0
    points: float = 0.0

    @property
    def average_satisfaction(self) -> float | None:
        return round(self.satisfaction / self.visits, 2) if self.visits else None


@dataclass(frozen=True)
class Ranking:
    month: str
    rules: PointsRules
    mediators: list[tuple[str, Tally]] = field(default_factory=list)  # highest first, then by code
    committees: list[tuple[str, Tally]] = field(default_factory=list)  # committees and stationed rooms


def standing(rows: list[tuple[str, Tally]]) -> list[tuple[int, str, Tally]]:
    """Standard competition ranking (1, 1, 3): equal points share a rank, and the next rank skips."""
    ranked: list[tuple[int, str, Tally]] = []
    for place, (code, t) in enumerate(rows, start=1):
        rank = ranked[-1][0] if ranked and ranked[-1][2].points == t.points else place
        ranked.append((rank, code, t))
    return ranked


def points_of(t: Tally, rules: PointsRules) -> float:
    return round(
        t.cases * rules.per_case
        + t.agreements * rules.per_agreement
        + t.sessions * rules.per_session
        + t.days * rules.per_day
        + t.satisfaction * rules.per_satisfaction,
        2,
    )


def credited(c: Concluded) -> list[Work]:
    """A concluded case's credit (see the module's text): the case and its agreement to who concluded
    it, each attempt's days to that attempt's mediator and committee (an attempt of no days adds none)."""
    case = Work(c.mediator, c.org_code, cases=1, agreements=int(c.result in AGREED))
    if not c.conducted or len(c.attempt_days) != len(c.conducted):  # no attempt on the timeline
        return [replace(case, days=c.days)]
    last = len(c.conducted)
    return [case] + [
        Work(mediator or (c.mediator if n == last else ""), org, days=days)
        for n, ((mediator, org), days) in enumerate(zip(c.conducted, c.attempt_days, strict=True), start=1)
        if days
    ]


def ranking(month: str, work: Iterable[Work], rules: PointsRules) -> Ranking:
    """Each mediator's and committee's tally and points, ordered by points (then by code, for a stable order)."""
    by: dict[str, dict[str, Tally]] = {"mediator": defaultdict(Tally), "committee": defaultdict(Tally)}
    for w in work:
        for kind, key in (("mediator", w.mediator), ("committee", w.committee)):
            if not key:
                continue
            t = by[kind][key]
            t.cases += w.cases
            t.agreements += w.agreements
            t.sessions += w.sessions
            t.days += w.days
            t.satisfaction += w.satisfaction
            t.visits += w.visits
    for tallies in by.values():
        for t in tallies.values():
            t.points = points_of(t, rules)

    def ranked(tallies: dict[str, Tally]) -> list[tuple[str, Tally]]:
        return sorted(tallies.items(), key=lambda kv: (-kv[1].points, kv[0]))

    return Ranking(month, rules, ranked(by["mediator"]), ranked(by["committee"]))
