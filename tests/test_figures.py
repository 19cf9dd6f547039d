"""Statistics: the counters kept with every change equal a count from scratch, and give exact figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fengqiao.cli.demo_scenarios import SCENARIOS
from fengqiao.db import stats
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.clocks import CST
from fengqiao.models.vocabulary import HandoffTarget, Stage, Status
from fengqiao.services.runtime import engine, now
from fengqiao.services.stats import Question, figures
from tests.drive import drive, kept_and_recounted, register, registered_month
from tests.factories import a_new_case


def test_kept_counters_equal_a_count_from_scratch_and_give_the_figures_of_the_nine_paths(network):
    numbers = []
    for n, scenario in enumerate(SCENARIOS, start=1):
        case_no, case_id = register(scenario.intake_record(channel_ref=f"F-{scenario.name}", n=n))
        drive(case_no, case_id, list(scenario.script))
        numbers.append(case_no)
    waiting_no, waiting_id = register(SCENARIOS[0].intake_record(channel_ref="F-waiting", n=99))
    drive(waiting_no, waiting_id, [])  # left waiting for its outcome

    kept, recounted = kept_and_recounted()
    assert kept == recounted

    month = registered_month(numbers[0])
    found = figures(Question(), today=now().astimezone(CST).date())
    assert {k: v for k, v in found.items() if k != "definitions"} == {
        "received": 10,
        # every case but not_suitable and refused (refused at its first attempt) was mediated (the waiting one too)
        "mediated": 8,
        # resolved_first_level … emergency: one of the five agreed orally
        "agreements": {"total": 5, "written": 4, "oral": 1},
        "success_rate": round(5 / 8, 4),
        # not_suitable to litigation, failed_to_arbitration (labour) to arbitration; refused (family) apart
        "handed_off": {"total": 2, "by_target": {"arbitration": 1, "litigation": 1}},
        "refused": 1,
        "agreement_amount": "0.00",
        "as_of": now().astimezone(CST).date().isoformat(),
        "compared": None,
        "withdrawn": 1,
        # 2 people each, escalated_once 3, the emergency's 23 workers: the one group dispute
        "parties_involved": 42,
        "group_disputes": 1,
        "judicial_confirmation_applied": 0,
        "screening": {"sessions": 0, "disputes_found": 0, "disputes_prevented": 0, "cases_registered": 0},
        "roster": {
            "committees": {"village": 8, "township": 4, "enterprise": 0, "sector": 3, "other": 2, "total": 17},
            "mediators": {"total": 24, "full_time": 21, "part_time": 3},
        },
        "open": 1,
        "closed": 9,
        "overdue": 0,
        "due_soon": 0,
        "by_status": {"closed": 9, "mediating": 1},
        "by_type": {"contract": 2, "family": 1, "labour": 2, "neighbourhood": 3, "property": 1, "traffic": 1},
        "by_channel": {
            "court": 1,
            "grid": 3,
            "hotline_12345": 1,
            "online": 1,
            "petition": 1,
            "police": 2,
            "walk_in": 1,
        },
        # 化解层级: the five agreements by the level that reached them
        "by_level": {"community": 1, "panel": 2, "street": 2},
        "by_area": {"511502": 8, "511503": 2},
        # failed_to_arbitration and not_suitable end handed off; refused apart; withdrawn withdraws
        "by_outcome": {"handed_off": 2, "open": 1, "refused": 1, "resolved": 5, "withdrawn": 1},
        # of the 5 resolved, only resolved_first_level at a community (emergency goes to a panel)
        "lowest_level_share": round(1 / 5, 4),
        "average_days_to_close": 0.0,
        "by_month": [{"month": month, "cases": 10, "closed": 9, "resolved": 5}],
    }


def test_a_due_date_is_kept_while_mediating_and_counts_as_overdue_once_past(network):
    case_no, case_id = register(SCENARIOS[0].intake_record(channel_ref="F-due", n=1))
    drive(case_no, case_id, [])
    today = now().astimezone(CST).date()
    with UnitOfWork(engine()) as uow:
        due = uow.conn.exec_driver_sql(f"SELECT due_on FROM cases WHERE id = {case_id}").scalar_one()
        due = due if isinstance(due, date) else date.fromisoformat(due)
        counts = [
            stats.overdue_counts(uow.conn, Question().cases(), today=day)
            for day in (today, due - timedelta(days=3), due, due + timedelta(days=1))
        ]
    assert due > today
    assert counts == [(0, 0), (0, 1), (0, 1), (1, 0)]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def _move(conn, case, at: str, status: Status, **changes):  # type: ignore[no-untyped-def]
    """A stored move of a case, as the pipeline's steps make them, at a chosen instant."""
    from dataclasses import replace

    from fengqiao.db import cases as case_store
    from fengqiao.models.transitions import Transition

    after = replace(case, status=status, version=case.version + 1, **changes)
    record = Transition(case.version + 1, _at(at), case.status, status, Stage.MEDIATION, "test", "known set")
    case_store.save_move(conn, case, after, record, flow_run_id=None)
    return after


def test_exact_figures_of_a_known_set_across_months_levels_and_closing_days(network):
    """Three cases with chosen dates: one across the month boundary in China time, days to close counted."""
    from fengqiao.db import cases as case_store

    with UnitOfWork(engine()) as uow:
        conn = uow.conn

        def new(ref: str, area: str, at: str):  # type: ignore[no-untyped-def]
            [(case, _)] = case_store.add_cases(
                conn, [(a_new_case(channel_ref=ref, area_code=area), None)], config_version=1, at=_at(at)
            )
            return case

        a = new("K-A", "511502001001", "2026-09-10 09:00")
        a = _move(
            conn, a, "2026-09-10 10:00", Status.MEDIATING, dispute_type="family", org_code="C-ZHAOYANG", attempt=1
        )
        a = _move(conn, a, "2026-09-14 16:00", Status.RESOLVED)
        a = _move(conn, a, "2026-09-15 09:00", Status.CLOSED)  # 5 days
        b = new("K-B", "511503001001", "2026-10-01 08:00")
        b = _move(conn, b, "2026-10-01 09:00", Status.MEDIATING, dispute_type="labour", org_code="S-NANXI", attempt=1)
        b = _move(conn, b, "2026-10-20 09:00", Status.HANDED_OFF, handoff_target=HandoffTarget.ARBITRATION)
        b = _move(conn, b, "2026-10-21 23:59", Status.CLOSED)  # 20 days
        new("K-C", "511502002001", "2026-11-01 00:30")  # 2026-10-31 16:30 UTC: November in China
        uow.commit()

    kept, recounted = kept_and_recounted()
    assert kept == recounted

    today = date(2026, 11, 23)
    everything = figures(Question(), today=today)
    october = figures(Question("2026-10", "2026-10"), today=today)
    cuiping_autumn = figures(Question("2026-09", "2026-11", "511502"), today=today)

    assert {k: v for k, v in everything.items() if k not in ("by_status", "by_type", "by_channel", "definitions")} == {
        "received": 3,
        "mediated": 2,
        "agreements": {"total": 1, "written": 1, "oral": 0},
        "success_rate": 0.5,
        "handed_off": {"total": 1, "by_target": {"arbitration": 1}},
        "refused": 0,
        "agreement_amount": "0.00",
        "as_of": "2026-11-23",
        "compared": None,
        "withdrawn": 0,
        "parties_involved": 6,  # each records two parties under the default 1 involved: 2 each
        "group_disputes": 0,
        "judicial_confirmation_applied": 0,
        "screening": {"sessions": 0, "disputes_found": 0, "disputes_prevented": 0, "cases_registered": 0},
        "roster": {
            "committees": {"village": 8, "township": 4, "enterprise": 0, "sector": 3, "other": 2, "total": 17},
            "mediators": {"total": 24, "full_time": 21, "part_time": 3},
        },
        "open": 1,
        "closed": 2,
        "overdue": 0,
        "due_soon": 0,
        "by_level": {"community": 1},  # the one agreement; the handed-off and waiting cases are not counted
        "by_area": {"511502": 2, "511503": 1},
        "by_outcome": {"handed_off": 1, "open": 1, "resolved": 1},
        "lowest_level_share": 1.0,
        "average_days_to_close": 12.5,
        "by_month": [
            {"month": "2026-09", "cases": 1, "closed": 1, "resolved": 1},
            {"month": "2026-10", "cases": 1, "closed": 1, "resolved": 0},
            {"month": "2026-11", "cases": 1, "closed": 0, "resolved": 0},
        ],
    }
    assert (everything["by_status"], everything["by_type"]) == (
        {"closed": 2, "received": 1},
        {"family": 1, "labour": 1, "untriaged": 1},
    )
    assert (october["received"], october["average_days_to_close"], october["success_rate"]) == (1, 20.0, 0.0)
    assert (cuiping_autumn["received"], cuiping_autumn["average_days_to_close"], cuiping_autumn["by_outcome"]) == (
        2,
        5.0,
        {"open": 1, "resolved": 1},
    )


def test_the_daily_sweep_writes_back_a_due_date_that_is_missing(network):
    from fengqiao.flows.deadlines import deadline_sweep

    case_no, case_id = register(SCENARIOS[0].intake_record(channel_ref="F-sweep", n=1))
    drive(case_no, case_id, [])
    read = f"SELECT due_on FROM cases WHERE id = {case_id}"
    with UnitOfWork(engine()) as uow:
        kept = uow.conn.exec_driver_sql(read).scalar_one()
        uow.conn.exec_driver_sql(f"UPDATE cases SET due_on = NULL WHERE id = {case_id}")  # as before migration 0004
        uow.commit()

    deadline_sweep(now().astimezone(CST).date())

    with UnitOfWork(engine()) as uow:
        assert uow.conn.exec_driver_sql(read).scalar_one() == kept is not None
