"""Statutory clocks with a frozen calendar: working days with China's holidays and make-up days,
pauses that stop the clock, extensions by consent, and the exact errors."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from fengqiao.config.calendar import is_workday
from fengqiao.models.clocks import CST, PauseReason, add_days, clock_of, count_days, extend, pause, resume
from fengqiao.models.errors import InvalidInput, NotWaitingForInput
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Stage, Status
from tests.factories import a_case


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CST)


def row(seq: int, when: str, stage: Stage, rule: str | None = None) -> Transition:
    return Transition(seq, at(when), Status.MEDIATING, Status.MEDIATING, stage, "x", "", rule=rule)


def test_the_official_calendar_knows_holidays_and_make_up_workdays():
    assert is_workday(date(2026, 2, 14))  # a Saturday worked to make up the Spring Festival
    assert not is_workday(date(2026, 2, 16))  # Spring Festival
    assert not is_workday(date(2026, 10, 1))  # National Day
    assert is_workday(date(2027, 1, 5)) and not is_workday(date(2027, 1, 9))  # a year not published: weekdays


def test_working_days_skip_the_national_day_week():
    # 30 September 2026 (Wednesday) + 5 working days: 1–7 October are holidays, 10 October (Saturday) is
    # worked: 8, 9, 10, 12, 13 October
    assert add_days(date(2026, 9, 30), 5, working=True, is_workday=is_workday) == date(2026, 10, 13)
    assert count_days(date(2026, 9, 30), date(2026, 10, 12), working=True, is_workday=is_workday) == 4
    assert add_days(date(2026, 9, 30), 5, working=False, is_workday=is_workday) == date(2026, 10, 5)


def test_a_pause_stops_the_clock_and_the_paused_working_days_are_added_back():
    timeline = [
        row(3, "2026-11-02", Stage.ASSIGNMENT),
        row(4, "2026-11-09", Stage.CLOCK, "pause:appraisal"),
    ]
    paused = clock_of(timeline, limit=30, working=True, is_workday=is_workday)
    assert (paused.started, paused.paused_since, paused.due) == (date(2026, 11, 2), date(2026, 11, 9), None)

    timeline.append(row(5, "2026-11-23", Stage.CLOCK, "resume"))  # two weeks: 10 working days
    timeline.append(row(6, "2026-11-24", Stage.CLOCK, "extend:15"))
    clock = clock_of(timeline, limit=30, working=True, is_workday=is_workday)
    assert (clock.paused, clock.extended) == (10, 15)
    # 43 working days from 3 November to 31 December, then 12 weekdays of 2027 (its holidays not yet published)
    assert clock.due == add_days(date(2026, 11, 2), 55, working=True, is_workday=is_workday) == date(2027, 1, 18)
    assert clock.days_left(date(2027, 1, 18), is_workday) == 0
    assert clock.days_left(date(2027, 1, 20), is_workday) == -2
    assert clock.days_left(date(2026, 12, 31), is_workday) == 12


def test_only_the_current_attempt_counts():
    timeline = [
        row(3, "2026-10-01", Stage.ASSIGNMENT),
        row(4, "2026-10-02", Stage.CLOCK, "extend:10"),
        row(6, "2026-11-02", Stage.ASSIGNMENT),
    ]
    clock = clock_of(timeline, limit=15, working=False, is_workday=is_workday)
    assert (clock.started, clock.extended, clock.due) == (date(2026, 11, 2), 0, date(2026, 11, 17))


def test_pause_resume_and_extension_are_transitions_with_their_rules():
    case = a_case(status=Status.MEDIATING, version=3)
    clock = clock_of([row(3, "2026-11-02", Stage.ASSIGNMENT)], limit=30, working=False, is_workday=is_workday)

    _, paused = pause(case, clock, PauseReason.APPRAISAL, actor="M-P03", note="医疗损害鉴定", at=at("2026-11-05"))
    _, extended = extend(case, 15, both_parties_consent=True, actor="M-P03", note="", at=at("2026-11-06"))

    assert (paused.stage, paused.rule, paused.reason, paused.note) == (
        "clock",
        "pause:appraisal",
        "时限中止 clock paused: appraisal",
        "医疗损害鉴定",
    )
    assert (extended.rule, extended.reason) == (
        "extend:15",
        "双方同意延长15天 extended by 15 days with both parties' consent",
    )


def test_clock_changes_are_refused_with_exact_errors():
    case = a_case(status=Status.MEDIATING, version=3)
    running = clock_of([row(3, "2026-11-02", Stage.ASSIGNMENT)], limit=30, working=False, is_workday=is_workday)
    when = at("2026-11-05")
    with pytest.raises(InvalidInput) as no_consent:
        extend(case, 10, both_parties_consent=False, actor="x", note="", at=when)
    assert (
        no_consent.value.message
        == "field consent: 延长调解期限须经双方当事人同意 an extension needs both parties' consent"
    )
    with pytest.raises(InvalidInput) as not_paused:
        resume(case, running, actor="x", at=when)
    assert (
        not_paused.value.message
        == "record FQ20260000001, field clock: 案件 FQ20260000001 的时限未中止 the clock of case FQ20260000001 is not paused"
    )
    with pytest.raises(NotWaitingForInput) as closed:
        pause(a_case(status=Status.CLOSED), running, PauseReason.APPRAISAL, actor="x", note="", at=when)
    assert closed.value.message == "案件时限未在计算 case FQ20260000001 is closed: its clock is not running"
    assert add_days(date(2026, 11, 2), 0, working=True, is_workday=is_workday) == date(2026, 11, 2)
