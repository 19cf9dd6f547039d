"""An installation made before intake records and duplicates upgrades with its cases intact; one at head
downgrades to the first revision with them (no migration copies a table others refer to) and back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, insert, text
from sqlalchemy.exc import IntegrityError

from fengqiao.db import evidence
from fengqiao.db.engine import get_engine
from fengqiao.db.migrate import alembic_config, current_revision, upgrade
from fengqiao.db.tables import transitions


def head(url: str) -> str | None:
    """The head as alembic reads it from the scripts (one head: the chain never forks)."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def a_case(conn: Connection) -> None:
    """Case 1, just received, under configuration version 1: in the columns of every revision."""
    conn.execute(
        text(
            "INSERT INTO config_versions (id, created_at, source, sha256, document) "
            "VALUES (1, '2026-11-01 08:00:00+00', 'old', 'x', '{}')"
        )
    )
    conn.execute(
        text(
            "INSERT INTO cases (id, case_no, channel, channel_ref, status, version, area_code, summary, "
            "people_involved, risk, path_step, attempt, config_version, flow_run_open, created_at, updated_at) "
            "VALUES (1, 'FQ20260000001', 'grid', 'G-1', 'received', 1, '511502001001', '漏水', 1, 'normal', -1, 0, "
            "1, false, '2026-11-01 08:00:00+00', '2026-11-01 08:00:00+00')"
        )
    )


def test_a_database_at_0001_with_a_case_upgrades_to_head_and_keeps_it(database):
    command.downgrade(alembic_config(database), "0001")
    engine = get_engine(database)
    with engine.begin() as conn:
        a_case(conn)
        conn.execute(
            text("INSERT INTO parties (id, case_id, role, name) VALUES (1, 1, 'respondent', '宜宾 顺达 ＡＢＣ公司')")
        )
        conn.execute(
            text(
                "INSERT INTO transitions (case_id, seq, at, to_status, stage, actor, reason) "
                "VALUES (1, 1, '2026-11-01 08:00:00+00', 'received', 'intake', 'channel:grid', 'received via grid')"
            )
        )

    upgrade(database)

    assert current_revision(database) == head(database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM access_log")).scalar_one() == 0
        assert conn.execute(text("SELECT match_key FROM parties")).scalar_one() == "宜宾顺达abc公司"
        assert conn.execute(text("SELECT duplicate_state FROM cases")).scalar_one() is None
        assert conn.execute(text("SELECT count(*) FROM transitions")).scalar_one() == 1
        assert conn.execute(text("SELECT applied_at IS NOT NULL FROM config_versions")).scalar_one()
        counted = "SELECT month, area, dimension, value, cases, closed FROM case_tallies ORDER BY dimension"
        assert [tuple(r) for r in conn.execute(text(counted))] == [
            ("2026-11", "511502001", "all", "*", 1, 0),
            ("2026-11", "511502001", "channel", "grid", 1, 0),
            ("2026-11", "511502001", "handoff", "", 1, 0),
            ("2026-11", "511502001", "outcome", "open", 1, 0),
            ("2026-11", "511502001", "people", "1", 1, 0),
            ("2026-11", "511502001", "refused", "", 1, 0),  # 0017: refusals counted apart (none here)
            ("2026-11", "511502001", "status", "received", 1, 0),
            ("2026-11", "511502001", "type", "", 1, 0),
        ]


def test_a_database_at_head_with_a_case_downgrades_to_0001_keeping_it_and_upgrades_again(database):
    engine = get_engine(database)
    with engine.begin() as conn:
        a_case(conn)
        conn.execute(text("INSERT INTO parties (id, case_id, role, name) VALUES (1, 1, 'respondent', '顺达公司')"))
        intake = dict(case_id=1, seq=1, at=datetime(2026, 11, 1, 8, tzinfo=UTC), from_status=None)
        intake |= dict(to_status="received", stage="intake", actor="channel:grid", reason="received via grid")
        intake |= dict(note=None, org_code=None, rule=None, flow_run_id=None)
        # chained as fengqiao writes it: 0016's downgrade verifies every chain before linking it again
        conn.execute(insert(transitions).values(**evidence.link_transition(conn, intake, case_no="FQ20260000001")))

    command.downgrade(alembic_config(database), "0001")

    assert current_revision(database) == "0001"
    kept = (
        "SELECT c.case_no, p.name, t.reason FROM cases c "
        "JOIN parties p ON p.case_id = c.id JOIN transitions t ON t.case_id = c.id"
    )
    with engine.connect() as conn:
        assert tuple(conn.execute(text(kept)).one()) == ("FQ20260000001", "顺达公司", "received via grid")

    upgrade(database)

    assert current_revision(database) == head(database)
    with engine.connect() as conn:
        assert tuple(conn.execute(text(kept)).one()) == ("FQ20260000001", "顺达公司", "received via grid")


ANSWER = (
    "INSERT INTO human_inputs (case_id, kind, round, value, note, actor, received_at{key}) "
    "VALUES (1, 'outcome', :round, 'failed', '', 'M-C04', '2026-11-02 08:00:00+00'{value})"
)


def test_migration_0010_keeps_answers_with_their_keys_unique_per_case_and_drops_only_the_keys_on_downgrade(database):
    engine = get_engine(database)
    with engine.begin() as conn:
        a_case(conn)
        keyed = ANSWER.format(key=", idempotency_key", value=", :key")
        conn.execute(text(keyed), [{"round": 1, "key": "3:k-1"}, {"round": 2, "key": None}, {"round": 3, "key": None}])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(keyed), {"round": 4, "key": "3:k-1"})

    command.downgrade(alembic_config(database), "0009")

    with engine.begin() as conn:
        assert conn.execute(text("SELECT round FROM human_inputs ORDER BY round")).scalars().all() == [1, 2, 3]
        conn.execute(text(ANSWER.format(key="", value="")), {"round": 4})

    upgrade(database)

    assert current_revision(database) == head(database)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT round, idempotency_key FROM human_inputs ORDER BY round")).all()
    assert [tuple(r) for r in rows] == [(1, None), (2, None), (3, None), (4, None)]
