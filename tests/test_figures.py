"""Statistics: the counters kept with every change equal a count from scratch, and give exact figures."""

from __future__ import annotations

from datetime import date, timedelta

from db import stats, tallies
from db.tallies import Scope, summed
from db.uow import UnitOfWork
from flows.demo_scenarios import SCENARIOS
from models.clocks import CST
from tasks.context import engine
from tasks.stats import Question, figures
from tasks.steps import now
from tests.drive import drive, register, registered_month


def _counters() -> list[dict]:
    with UnitOfWork(engine()) as uow:
        rows = summed(uow.conn, Scope(), "month", "area", "org_code")
    return sorted((r for r in rows if r["cases"] or r["closed"]), key=lambda r: sorted(r.items()))


def test_kept_counters_equal_a_count_from_scratch_and_give_the_figures_of_the_nine_paths(network):
    numbers = []
    for n, scenario in enumerate(SCENARIOS, start=1):
        case_no, case_id = register(scenario.intake_record(channel_ref=f"F-{scenario.name}", n=n))
        drive(case_no, case_id, list(scenario.script))
        numbers.append(case_no)
    waiting_no, waiting_id = register(SCENARIOS[0].intake_record(channel_ref="F-waiting", n=99))
    drive(waiting_no, waiting_id, [])  # left waiting for its outcome

    kept = _counters()
    with UnitOfWork(engine()) as uow:
        tallies.rebuild(uow.conn)
        uow.commit()
    assert kept == _counters()

    month = registered_month(numbers[0])
    found = figures(Question(), today=now().astimezone(CST).date())
    assert found == {
        "total": 10,
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
        # not_suitable is never assigned; the waiting case, refused and withdrawn stay at their community
        "by_level": {"community": 4, "none": 1, "panel": 3, "street": 2},
        "by_area": {"511502": 8, "511503": 2},
        # refused, failed_to_arbitration and not_suitable end handed off; withdrawn withdraws
        "by_outcome": {"handed_off": 3, "open": 1, "resolved": 5, "withdrawn": 1},
        # mediation concluded: the 5 resolved, and refused and failed_to_arbitration (handed off after an attempt)
        "mediation_success_rate": round(5 / 7, 4),
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
