"""Statutory clocks: when a mediation attempt is due, counted in calendar or working days.

A clock starts when the case is assigned at a rung, stops while it is paused for a typed reason
(an appraisal's time is not counted for medical disputes), and moves out by an extension both
parties agreed to. Everything it needs is in the case's timeline, so pauses and extensions are
transitions people can see, and the due date is recomputed the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from fengqiao.models.case import Case
from fengqiao.models.errors import InvalidInput, NotWaitingForInput
from fengqiao.models.transitions import Moved, Transition, transition
from fengqiao.models.vocabulary import Stage, Status

CST = timezone(timedelta(hours=8))  # days are counted as people in China count them
IsWorkday = Callable[[date], bool]


class PauseReason(StrEnum):
    APPRAISAL = "appraisal"  # 鉴定: a medical or damage appraisal is under way
    PARTY_UNAVAILABLE = "party_unavailable"  # 当事人因故无法参加
    EXPERT_OPINION = "expert_opinion"  # 等待专家意见
    FORCE_MAJEURE = "force_majeure"  # 不可抗力


def day_of(at: datetime) -> date:
    return at.astimezone(CST).date()


def count_days(start: date, end: date, *, working: bool, is_workday: IsWorkday) -> int:
    """Days in [start, end) that count."""
    days = (end - start).days
    return sum(1 for i in range(days) if is_workday(start + timedelta(days=i))) if working else max(days, 0)


def add_days(start: date, n: int, *, working: bool, is_workday: IsWorkday) -> date:
    """The day n counted days after start (the start day itself not counted)."""
    if not working:
        return start + timedelta(days=n)
    day = start
    while n > 0:
        day += timedelta(days=1)
        n -= int(is_workday(day))
    return day


@dataclass(frozen=True)
class Clock:
    started: date
    limit: int  # the rung's deadline, in its unit
    working: bool
    extended: int  # days added by consent
    paused: int  # counted days spent paused (closed pauses)
    paused_since: date | None  # an open pause
    due: date | None  # None while paused: the clock is stopped

    def days_left(self, today: date, is_workday: IsWorkday) -> int | None:
        if self.due is None:
            return None
        if today <= self.due:
            return count_days(today, self.due, working=self.working, is_workday=is_workday)
        return -count_days(self.due, today, working=self.working, is_workday=is_workday)


def clock_of(timeline: Sequence[Transition], *, limit: int, working: bool, is_workday: IsWorkday) -> Clock | None:
    """The clock of the current attempt: from the last assignment on, pauses and extensions applied."""
    start = next((i for i in range(len(timeline) - 1, -1, -1) if timeline[i].stage is Stage.ASSIGNMENT), None)
    if start is None:
        return None
    started = day_of(timeline[start].at)
    extended = paused = 0
    paused_since: date | None = None
    for t in timeline[start + 1 :]:
        if t.stage is not Stage.CLOCK or not t.rule:
            continue
        kind, _, value = t.rule.partition(":")
        if kind == "pause":
            paused_since = day_of(t.at)
        elif kind == "resume" and paused_since is not None:
            paused += count_days(paused_since, day_of(t.at), working=working, is_workday=is_workday)
            paused_since = None
        elif kind == "extend":
            extended += int(value)
    due = None
    if paused_since is None:
        due = add_days(started, limit + extended + paused, working=working, is_workday=is_workday)
    return Clock(started, limit, working, extended, paused, paused_since, due)


def check_running(case: Case) -> None:
    if case.status is not Status.MEDIATING:
        raise NotWaitingForInput(
            f"案件时限未在计算 case {case.case_no} is {case.status}: its clock is not running", field="status"
        )


def pause(case: Case, clock: Clock, reason: PauseReason, *, actor: str, note: str, at: datetime) -> Moved:
    check_running(case)
    if clock.paused_since is not None:
        raise InvalidInput(
            f"案件 {case.case_no} 的时限已中止 the clock of case {case.case_no} is already paused",
            record=case.case_no,
            field="clock",
        )
    why = f"时限中止 clock paused: {reason}"
    return transition(
        case, case.status, stage=Stage.CLOCK, actor=actor, reason=why, note=note, rule=f"pause:{reason}", at=at
    )


def resume(case: Case, clock: Clock, *, actor: str, at: datetime) -> Moved:
    check_running(case)
    if clock.paused_since is None:
        raise InvalidInput(
            f"案件 {case.case_no} 的时限未中止 the clock of case {case.case_no} is not paused",
            record=case.case_no,
            field="clock",
        )
    return transition(
        case, case.status, stage=Stage.CLOCK, actor=actor, reason="时限恢复 clock resumed", rule="resume", at=at
    )


def extend(case: Case, days: int, *, both_parties_consent: bool, actor: str, note: str, at: datetime) -> Moved:
    """Only by both parties' consent (MoJ rules), and only forward."""
    check_running(case)
    if not both_parties_consent:
        raise InvalidInput("延长调解期限须经双方当事人同意 an extension needs both parties' consent", field="consent")
    if days <= 0:
        raise InvalidInput("延长天数须为正数 the extension must be a positive number of days", field="days")
    why = f"双方同意延长{days}天 extended by {days} days with both parties' consent"
    return transition(
        case, case.status, stage=Stage.CLOCK, actor=actor, reason=why, note=note, rule=f"extend:{days}", at=at
    )
