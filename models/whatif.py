"""What-if: where stored cases would have ended under another configuration.

A case is replayed from what people actually said: its intake (type, text, people, area) goes
through the configuration's triage, then each recorded mediation outcome moves it along the
configuration's path. Where the recorded answers run out before the new path ends, the case is
reported as still mediating at that rung: nobody can know what people would have said there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from fengqiao.models.network import Network
from fengqiao.models.triage import TriageRules, triage
from fengqiao.models.vocabulary import AGREEMENTS, Outcome, Risk


@dataclass(frozen=True)
class Replayable:
    case_no: str
    config_version: int
    declared_type: str | None
    summary: str
    people_involved: int
    reported_risk: Risk
    answers: tuple[str, ...]  # mediation outcomes, a refusal or a withdrawal, in the order given


@dataclass(frozen=True)
class Route:
    rung: str  # where it ended: a level or a panel ("—" if it never reached one)
    result: str  # resolved | withdrawn | handed_off:<target> | mediating


def replay(case: Replayable, network: Network, rules: TriageRules) -> Route:
    decision = triage(
        rules,
        network.paths,
        declared_type=case.declared_type,
        summary=case.summary,
        people_involved=case.people_involved,
        reported_risk=case.reported_risk,
    )
    if decision.unsuitable:
        return Route("—", f"handed_off:{decision.unsuitable}")
    path = network.paths[decision.dispute_type]
    step = decision.start_step
    for answer in case.answers:
        rung = path.steps[step].label
        if answer in AGREEMENTS:
            return Route(rung, "resolved")
        if answer == Outcome.WITHDRAWN:
            return Route(rung, "withdrawn")
        if answer == Outcome.REFUSED:
            return Route(rung, f"handed_off:{path.on_refused}")
        if step + 1 == len(path.steps):
            return Route(rung, f"handed_off:{path.on_failed}")
        step += 1
    return Route(path.steps[step].label, "mediating")


@dataclass
class WhatIf:
    cases: int = 0
    changed: list[tuple[str, Route, Route]] = field(default_factory=list)
    rungs: tuple[Counter[str], Counter[str]] = field(default_factory=lambda: (Counter(), Counter()))
    results: tuple[Counter[str], Counter[str]] = field(default_factory=lambda: (Counter(), Counter()))


def compare(
    cases: Iterable[Replayable],
    own: dict[int, tuple[Network, TriageRules]],
    proposed: tuple[Network, TriageRules],
) -> WhatIf:
    """Each case under the configuration it started under, and under the proposed one."""
    report = WhatIf()
    for case in cases:
        before, after = replay(case, *own[case.config_version]), replay(case, *proposed)
        report.cases += 1
        report.rungs[0][before.rung] += 1
        report.rungs[1][after.rung] += 1
        report.results[0][before.result] += 1
        report.results[1][after.result] += 1
        if before != after:
            report.changed.append((case.case_no, before, after))
    return report
