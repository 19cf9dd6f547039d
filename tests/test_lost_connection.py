"""A database connection cut in the middle of a step: the step runs again and the run goes on.

PostgreSQL terminates the step's own backend (pg_terminate_backend from an administrator's
connection) just before the statement named runs; the statement then fails as it does when a
server restarts or an administrator ends a session.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from fengqiao.cli.demo_scenarios import SCENARIOS
from fengqiao.db.retry import is_lost_connection
from fengqiao.flows.case import case_flow
from fengqiao.services.human_input import record_input
from fengqiao.services.runtime import engine
from tests.drive import register, timeline_of
from tests.test_pipeline import EXPECTED

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)
ESCALATED_ONCE = next(s for s in SCENARIOS if s.name == "escalated_once")


@contextmanager
def cut_connection(database: str, statement_start: str, times: int = 1) -> Iterator[list[str]]:
    """Terminate the backend of the connection about to run a statement starting so (or COMMIT),
    `times` times; yields what was cut: the statements' first words."""
    admin = create_engine(database, isolation_level="AUTOCOMMIT")
    cut: list[str] = []

    def terminate(conn, statement: str) -> None:  # type: ignore[no-untyped-def]
        if len(cut) >= times or not statement.lstrip().upper().startswith(statement_start):
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as a:
            a.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(100):  # until the server has ended it
                if not a.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
                    break
                time.sleep(0.02)
        cut.append(" ".join(statement.split()[:3]))

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        terminate(conn, statement)

    def commit(conn):  # type: ignore[no-untyped-def]
        terminate(conn, "COMMIT")

    event.listen(engine(), "before_cursor_execute", before)
    event.listen(engine(), "commit", commit)
    try:
        yield cut
    finally:
        event.remove(engine(), "before_cursor_execute", before)
        event.remove(engine(), "commit", commit)
        admin.dispose()


def test_a_step_whose_connection_is_cut_mid_transaction_runs_again_and_the_run_goes_on(network, database):
    case_no, case_id = register(ESCALATED_ONCE.intake_record(channel_ref="T-escalated_once", n=1))
    assert case_flow(case_id) == "waiting:outcome"
    record_input(case_no, ESCALATED_ONCE.script[0][0], "failed", actor="M-C04")

    with cut_connection(database, "INSERT INTO TRANSITIONS") as cut:  # the escalation's write, mid-transaction
        result = case_flow(case_id)

    assert cut == ["INSERT INTO transitions"]
    assert result == "waiting:outcome"  # escalated, re-assigned at the street: the run completed
    assert timeline_of(case_id) == EXPECTED["escalated_once"][1][:5]  # each transition once


def test_a_connection_cut_at_commit_and_at_the_claim_is_retried_too(network, database):
    case_no, case_id = register(ESCALATED_ONCE.intake_record(channel_ref="T-escalated_once", n=1))

    with cut_connection(database, "UPDATE CASES", times=2) as cut:  # the claim, and the claim's first retry
        assert case_flow(case_id) == "waiting:outcome"
    record_input(case_no, ESCALATED_ONCE.script[0][0], "failed", actor="M-C04")
    with cut_connection(database, "COMMIT") as at_commit:  # the claim's commit
        assert case_flow(case_id) == "waiting:outcome"

    assert (cut, at_commit) == (["UPDATE cases SET", "UPDATE cases SET"], ["COMMIT"])
    assert timeline_of(case_id) == EXPECTED["escalated_once"][1][:5]


def test_only_a_lost_connection_counts_as_one(database):
    with pytest.raises(IntegrityError) as refused, engine().connect() as conn:
        conn.execute(text("INSERT INTO api_keys (id) VALUES (NULL)"))
    with pytest.raises(OperationalError) as lost, engine().connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    assert (is_lost_connection(refused.value), is_lost_connection(lost.value)) == (False, True)
