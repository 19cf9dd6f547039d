"""The sweep across workers: one at a time, and never ended by an error (issue 14, item 4).

Several workers share one database; each sweeps every few seconds. Only the worker that holds the
sweep lock sweeps; the others skip their turn. A case whose wake-up fails (Prefect unreachable, a
500) is logged and tried again next time; the sweep itself returns.
"""

from __future__ import annotations

from fengqiao.db import flow_runs
from fengqiao.db.locks import held_alone
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.case import Party
from fengqiao.runs.sweep import sweep_once
from fengqiao.services.runtime import engine
from tests.drive import register
from tests.factories import a_new_case
from tests.test_answer_rounds import prefect_down


def flow_run_of(case_id: int) -> str | None:
    with UnitOfWork(engine()) as uow:
        return flow_runs.case_flow_run(uow.conn, case_id)[0]


def test_the_sweep_lock_is_held_by_one_holder_at_a_time(database):
    with (
        held_alone(engine(), "sweep") as first,
        held_alone(engine(), "sweep") as second,
        held_alone(engine(), "another") as other,
    ):
        assert (first, second, other) == (True, False, True)
    with held_alone(engine(), "sweep") as after:
        assert after is True


def test_a_worker_skips_its_sweep_while_another_sweeps(network):
    _, case_id = register(a_new_case(channel_ref="SWEEP-1"))  # registered, no run yet: a sweep would start one

    with held_alone(engine(), "sweep"):  # another worker is sweeping
        skipped = sweep_once()

    assert (skipped, flow_run_of(case_id)) == ({}, None)


def test_a_case_that_cannot_be_woken_does_not_end_the_sweep(network, monkeypatch):
    _, first = register(a_new_case(channel_ref="SWEEP-2"))
    other_parties = (Party("applicant", "王五"), Party("respondent", "赵六"))  # not a duplicate of the first
    _, second = register(a_new_case(channel_ref="SWEEP-3", parties=other_parties))

    with prefect_down(monkeypatch):
        swept = sweep_once()

    assert swept == {first: "not woken now (ConnectError)", second: "not woken now (ConnectError)"}
    assert (flow_run_of(first), flow_run_of(second)) == (None, None)


def test_a_database_that_cannot_be_read_makes_an_empty_sweep(network, monkeypatch):
    """The sweep runs in the worker's loop: an unreachable database is a logged, empty sweep, never an exception."""
    from fengqiao.config.settings import get_settings

    monkeypatch.setenv("FENGQIAO_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    get_settings.cache_clear()
    try:
        assert sweep_once() == {}
    finally:
        get_settings.cache_clear()
