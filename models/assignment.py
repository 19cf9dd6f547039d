"""Choosing the mediator: specialty, grade and open-case load, within capacity, never with a conflict.

A mediator may not mediate a dispute of an organisation they belong to or of a person they
are related to (回避); the administrators list both in the network YAML. If every mediator of
the rung's organisation has a conflict, the organisation above takes the case.

Capacities (a mediator's, an organisation's) are what the administrators planned for, not a wall:
the case belongs to this rung's organisation by territory (小事不出社区), so a full one still takes
it, and the rule and the timeline say it was over capacity for the coordination centre to see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fengqiao.models.case import Party
from fengqiao.models.duplicates import name_key
from fengqiao.models.errors import ConfigurationError
from fengqiao.models.network import Mediator, Network, Organisation
from fengqiao.models.vocabulary import Risk

GRADES = {"chief": 0, "first": 1, "mediator": 2}  # 首席, 一级, 调解员: a lower number is more senior


@dataclass(frozen=True)
class Choice:
    org: Organisation
    mediator: Mediator
    rule: str
    notes: tuple[str, ...] = ()  # why the choice was not the plain one: conflicts, capacity


def conflict(mediator: Mediator, parties: Iterable[Party]) -> str | None:
    """Why this mediator must step aside, or None. Names are compared as duplicate detection does."""
    ties = {name_key(n): "belongs to" for n in mediator.affiliations} | {
        name_key(n): "is related to" for n in mediator.relations
    }
    for p in parties:
        if how := ties.get(name_key(p.name)):
            return f"{mediator.code} {how} the {p.role}"
    return None


def choose(
    network: Network,
    org: Organisation,
    *,
    dispute_type: str,
    risk: Risk,
    parties: tuple[Party, ...],
    open_cases: Mapping[str, int],
) -> Choice:
    """The mediator for a case at this organisation, with the rule that chose them and why."""
    stepped_aside: list[str] = []
    current: Organisation | None = org
    while current is not None:
        staff = network.mediators_of(current.code)
        free = [m for m in staff if not conflict(m, parties)]
        stepped_aside += [c for m in staff if (c := conflict(m, parties))]
        if free:
            load = network.open_cases_of(current.code, open_cases)
            full = f"{current.code} is at its capacity ({load}/{current.capacity} open cases)"
            at_capacity = [full] if current.capacity is not None and load >= current.capacity else []
            return _best(current, free, dispute_type, risk, open_cases, stepped_aside, at_capacity)
        current = network.organisations.get(current.parent) if current.parent else None
    raise ConfigurationError(
        f"{org.code}及其上级组织没有无利益冲突的调解员 "
        f"no mediator of {org.code} or above is free of conflicts: {'; '.join(stepped_aside)}"
    )


def _best(
    org: Organisation,
    free: list[Mediator],
    dispute_type: str,
    risk: Risk,
    open_cases: Mapping[str, int],
    stepped_aside: list[str],
    org_full: list[str],
) -> Choice:
    within = [m for m in free if open_cases.get(m.code, 0) < m.capacity]
    pool = within or free  # everyone full: the least loaded takes it, and the rule says so
    senior_first = risk is Risk.EMERGENCY

    def rank(m: Mediator) -> tuple[bool, int, int, str]:
        grade = GRADES.get(m.grade, len(GRADES))
        load = open_cases.get(m.code, 0)
        first, second = (grade, load) if senior_first else (load, grade)
        return (dispute_type not in m.specialties, first, second, m.code)

    chosen = min(pool, key=rank)
    rule = "specialty,grade,load" if senior_first else "specialty,load,grade"
    if not within:
        rule += ";over_capacity"
    if org_full:
        rule += ";org_over_capacity"
    if stepped_aside:
        rule += ";conflict"
    notes = [f"stepped aside: {', '.join(stepped_aside)}"] if stepped_aside else []
    if not within:
        notes.append(f"every mediator of {org.code} is at capacity")
    return Choice(org, chosen, rule, (*notes, *org_full))
