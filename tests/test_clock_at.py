"""A case's rung and due day at a past day's end, replayed from its timeline (models.clock_at): pure."""

from __future__ import annotations

from datetime import date, datetime

from fengqiao.models.clock_at import Standing, due_at, point_in_time, standing_at
from fengqiao.models.clocks import CST
from fengqiao.models.network import EscalationPath, PathStep
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Level, Stage, Status

OLD = EscalationPath(
    "labour",
    (
        PathStep(Level.COMMUNITY, deadline_days=15),
        PathStep(Level.STREET, deadline_days=20),
        PathStep(panel="P", deadline_days=5),
    ),
    emergency_start=2,
)
NEW = EscalationPath("labour", (PathStep(Level.STREET, deadline_days=40),))  # version 2: the street rung alone
S = Status


def _row(
    seq: int, day: str, before: Status | None, after: Status, stage: Stage, *, rule: str = "", reason: str = ""
) -> Transition:
    at = datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=CST)
    return Transition(seq, at, before, after, stage, "test", reason or str(stage), rule=rule or None)


def _paths(version: int) -> EscalationPath | None:
    return {1: OLD, 2: NEW}.get(version)


TIMELINE = [
    _row(1, "2026-10-01", None, S.RECEIVED, Stage.INTAKE),
    _row(2, "2026-10-01", S.RECEIVED, S.TRIAGED, Stage.TRIAGE, rule="declared_by_channel"),
    _row(3, "2026-10-02", S.TRIAGED, S.MEDIATING, Stage.ASSIGNMENT),
    _row(4, "2026-10-10", S.MEDIATING, S.ESCALATED, Stage.ESCALATION, rule="path:labour[1]"),
    _row(5, "2026-10-12", S.ESCALATED, S.MEDIATING, Stage.ASSIGNMENT),
    _row(6, "2026-11-20", S.MEDIATING, S.MEDIATING, Stage.RECONFIGURATION, reason="configuration version 1 → 2"),
]


def test_the_rung_and_due_day_are_those_of_the_day_not_of_today():
    def at(day: date) -> tuple[Standing, date | None]:
        kept = standing_at(TIMELINE, day, version_now=2, paths=_paths)
        return kept, due_at(TIMELINE, day, version_now=2, paths=_paths, is_workday=lambda d: True)

    assert at(date(2026, 10, 5)) == (Standing(S.MEDIATING, 1, 0), date(2026, 10, 17))  # community: 15 days
    assert at(date(2026, 10, 11)) == (Standing(S.ESCALATED, 1, 1), None)  # not mediating
    assert at(date(2026, 10, 31)) == (Standing(S.MEDIATING, 1, 1), date(2026, 11, 1))  # street: 20 days
    assert at(date(2026, 11, 30)) == (Standing(S.MEDIATING, 2, 0), date(2026, 11, 21))  # migrated: 40 days
    assert point_in_time([date(2026, 11, 1), date(2026, 10, 30), None, date(2026, 11, 4)], date(2026, 10, 31)) == (1, 1)


def test_an_emergency_triage_starts_at_the_paths_emergency_rung():
    emergency = [*TIMELINE[:1], _row(2, "2026-10-01", S.RECEIVED, S.TRIAGED, Stage.TRIAGE,
                                     rule="declared_by_channel;emergency:people_involved>=10"), TIMELINE[2]]  # fmt: skip
    assert standing_at(emergency, date(2026, 10, 3), version_now=1, paths=_paths) == Standing(S.MEDIATING, 1, 2)
    assert due_at(emergency, date(2026, 10, 3), version_now=1, paths=_paths, is_workday=lambda d: True) == date(
        2026, 10, 7
    )
