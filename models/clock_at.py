"""A case's status and due day as they stood at the end of a past day, from its timeline alone.

A published month's 超期 (overdue) and 临期 (due soon) must not change when its cases move on, so
they are counted as of the month's last day: a case counts when, at the end of that day (China
time), its last move had left it mediating and the clock of its attempt then — the rows up to that
day, the rung it stood on and that rung's days in the configuration version it ran under — put its
due day before that day (overdue) or within the days after it (due soon). The clock itself is
models.clocks.clock_of, the rule the kept due day (services.due_dates) comes from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from fengqiao.models.clocks import CST, Clock, IsWorkday, clock_of, day_of
from fengqiao.models.network import EscalationPath
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Stage, Status

SOON_DAYS = 3  # 临期: due within this many days
MIGRATED = re.compile(r"configuration version (\d+) → (\d+)")  # a migration's reason (models.reconfigure)
ESCALATED = re.compile(r"^path:.*\[(\d+)\]$")  # an escalation's rule (models.steps.apply_outcome)
EMERGENCY = ";emergency:"  # in a triage's rule when the case started at the path's emergency rung (models.triage)
Paths = Callable[[int], EscalationPath | None]  # configuration version → the case's path in it


def end_of_day(day: date) -> datetime:
    """The last instant of a day as people in China count it: a day's figures include its evening."""
    return datetime.combine(day, time.max, tzinfo=CST)


def clock_on_rung(
    path: EscalationPath, step: int, timeline: Sequence[Transition], *, is_workday: IsWorkday
) -> Clock | None:
    """The clock of the attempt at a rung: the rung's days from its last assignment, pauses and extensions applied."""
    rung = path.steps[step]
    return clock_of(timeline, limit=rung.deadline_days, working=rung.working_days, is_workday=is_workday)


@dataclass(frozen=True)
class Standing:
    """Where a case stood at the end of a day: its status, configuration version and rung (-1: none yet)."""

    status: Status | None
    version: int
    step: int


def standing_at(timeline: Sequence[Transition], day: date, *, version_now: int, paths: Paths) -> Standing:
    """Replays the moves that set the rung (triage, escalation, assignment, migration) up to the end of day."""
    migrations = [m for t in timeline if t.stage is Stage.RECONFIGURATION and (m := MIGRATED.search(t.reason))]
    version = int(migrations[0][1]) if migrations else version_now
    status: Status | None = None
    step = -1
    for t in timeline:
        if day_of(t.at) > day:
            break
        status = t.to_status
        if t.stage is Stage.TRIAGE:
            path = paths(version)
            step = path.emergency_start if path and EMERGENCY in (t.rule or "") else 0
        elif t.stage is Stage.ESCALATION and (m := ESCALATED.match(t.rule or "")):
            step = int(m[1])
        elif t.stage is Stage.ASSIGNMENT:
            step = max(step, 0)
        elif t.stage is Stage.RECONFIGURATION and (m := MIGRATED.search(t.reason)):
            step = _same_rung(paths(version), paths(int(m[2])), step)
            version = int(m[2])
    return Standing(status, version, step)


def _same_rung(old: EscalationPath | None, new: EscalationPath | None, step: int) -> int:
    """A migration keeps the rung the case stands on (models.reconfigure.migrate): its index in the new path."""
    if old is None or new is None or step < 0:
        return step
    labels = [s.label for s in new.steps]
    label = old.steps[step].label
    return labels.index(label) if label in labels else step


def due_at(
    timeline: Sequence[Transition], day: date, *, version_now: int, paths: Paths, is_workday: IsWorkday
) -> date | None:
    """The due day of a case mediating at the end of day, as its clock stood then; None when it was not
    mediating, had no rung or path, or its clock was paused over the day's end."""
    standing = standing_at(timeline, day, version_now=version_now, paths=paths)
    path = paths(standing.version)
    if standing.status is not Status.MEDIATING or path is None or not 0 <= standing.step < len(path.steps):
        return None
    rows = [t for t in timeline if day_of(t.at) <= day]
    clock = clock_on_rung(path, standing.step, rows, is_workday=is_workday)
    return clock.due if clock else None


def point_in_time(dues: Iterable[date | None], day: date, soon_days: int = SOON_DAYS) -> tuple[int, int]:
    """(超期 overdue: due before day, 临期 due soon: due on day or within soon_days after it)."""
    known = [d for d in dues if d is not None]
    overdue = sum(1 for d in known if d < day)
    soon = sum(1 for d in known if day <= d <= day + timedelta(days=soon_days))
    return overdue, soon
