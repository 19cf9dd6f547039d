"""Registrations racing into one community: each counted once, and one alert that lists them all.

Intake appends its counters (db.tallies.apply) and grows the community's open alert by its own case
(db.alerts.grow_cluster: a row of alert_cases and the count), so concurrent registrations no longer
queue on shared rows for the whole transaction; these tests hold that nothing is lost or counted
twice when they race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from fengqiao.config.settings import get_settings
from fengqiao.db import tallies
from fengqiao.db.queries import CaseFilter
from fengqiao.db.tables import alert_cases, alerts, case_tally_deltas
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.case import Party
from fengqiao.services.alerts import acknowledge_alert
from fengqiao.services.intake import register_case
from fengqiao.services.runtime import engine
from tests.drive import kept_and_recounted
from tests.factories import a_new_case

COMMUNITY = "511502001001001"


def register(n: int) -> int:
    """A report from the community by people of its own (no duplicate of another)."""
    parties = (Party("applicant", f"申请人{n}", phone=f"1380000{n:04d}"), Party("respondent", f"被申请单位{n}"))
    case, created = register_case(a_new_case(channel_ref=f"R-{n}", area_code=COMMUNITY, parties=parties))
    assert created
    return case.id


def open_alerts() -> list[tuple[int, str, int, list[int], list[int]]]:
    """Each open alert of the community: (id, reason, the cases it counts, the cases it was raised
    with, its alert_cases rows)."""
    with UnitOfWork(engine()) as uow:
        rows = uow.conn.execute(
            select(alerts.c.id, alerts.c.reason, alerts.c.cases_listed, alerts.c.case_ids).where(
                alerts.c.kind == "area", alerts.c.subject == COMMUNITY, alerts.c.acknowledged_at.is_(None)
            )
        ).all()
        listed = {
            r.id: sorted(uow.conn.scalars(select(alert_cases.c.case_id).where(alert_cases.c.alert_id == r.id)))
            for r in rows
        }
    return [(r.id, r.reason, r.cases_listed, sorted(r.case_ids), listed[r.id]) for r in rows]


def test_concurrent_registrations_in_one_community_give_one_alert_of_them_all_and_exact_counters(network, monkeypatch):
    monkeypatch.setenv("FENGQIAO_ALERT_AREA_REPORTS", "3")
    get_settings.cache_clear()

    with ThreadPoolExecutor(8) as pool:
        registered = sorted(pool.map(register, range(40)))
    [(_, reason, counted, raised_with, rows)] = open_alerts()
    kept, recounted = kept_and_recounted()

    assert rows == registered and counted == 40
    assert len(raised_with) == 3 and set(raised_with) < set(rows)  # the threshold's, when it was raised
    assert reason == (
        f"40件报告指向社区 community {COMMUNITY}（7日内达3件即预警）: 40 reports (an alert at 3 within 7 days)"
    )
    assert kept == recounted
    assert next(r for r in kept if r["dimension"] == "all")["cases"] == 40


def test_after_an_acknowledgement_racing_registrations_raise_one_new_alert_of_only_the_later_cases(
    network, monkeypatch
):
    monkeypatch.setenv("FENGQIAO_ALERT_AREA_REPORTS", "3")
    get_settings.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(register, range(4)))
    [(first, _, _, _, _)] = open_alerts()
    assert acknowledge_alert(CaseFilter(), first, by="coordinator", note="已处理") is None

    with ThreadPoolExecutor(8) as pool:
        later = sorted(pool.map(register, range(4, 24)))
    [(second, reason, counted, raised_with, rows)] = open_alerts()

    assert second != first
    assert rows == later and counted == 20 and len(raised_with) == 3 and set(raised_with) < set(later)
    assert (
        reason
        == f"20件报告指向社区 community {COMMUNITY}（7日内达3件即预警）: 20 reports (an alert at 3 within 7 days)"
    )


def test_the_sweep_folds_the_appended_counters_into_their_sums_and_they_stay_exact(network):
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(register, range(8)))

    def appended() -> int:
        with UnitOfWork(engine()) as uow:
            return int(uow.conn.scalar(select(func.count()).select_from(case_tally_deltas)) or 0)

    def counted() -> list[dict]:
        with UnitOfWork(engine()) as uow:
            return sorted(
                (r for r in tallies.summed(uow.conn, tallies.Scope(), "month", "area", "org_code") if r["cases"]),
                key=lambda r: sorted(r.items()),
            )

    before, waiting = counted(), appended()
    with UnitOfWork(engine()) as uow:
        folded = tallies.fold(uow.conn)
        uow.commit()
    after, left = counted(), appended()
    kept, recounted = kept_and_recounted()

    assert (folded, left) == (waiting, 0) and waiting > 0
    assert after == before and kept == recounted
