"""Evidence-grade history: every transition and access-log row is a link of its case's hash chain,
recomputable by an outside auditor from the README's rule alone; a change or deletion made as the
database owner is reported with its case and seq; a chain rewritten whole is caught by the digest.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.db import access, evidence
from fengqiao.db.engine import get_engine
from fengqiao.db.migrate import alembic_config, upgrade
from fengqiao.db.tables import access_log, transitions
from fengqiao.db.uow import UnitOfWork
from fengqiao.flows.case import case_flow
from fengqiao.models.case import Party
from fengqiao.models.evidence import Chain
from fengqiao.services.case_reads import read_case, read_timeline
from fengqiao.services.evidence import verify
from fengqiao.services.runtime import engine
from tests.drive import drive, register
from tests.factories import a_key, a_new_case
from tests.test_concurrency import race

ZERO = "0" * 64
TIMELINE = ("case_id", "seq", "at", "from_status", "to_status", "stage", "actor", "reason", "note", "org_code")
TIMELINE += ("rule", "flow_run_id")
ACCESS = ("case_id", "seq", "at", "key_id", "key_name", "role", "action", "fields", "reason")


def auditor_hash(chain: str, row: Any, fields: tuple[str, ...]) -> str:
    """The README's rule, written again here as an auditor would: not fengqiao's own code."""
    obj = {f: row[f] for f in fields}
    obj["at"] = row["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    obj["chain"], obj["prev_hash"] = chain, row["prev_hash"]
    return hashlib.sha256(
        json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def auditor_start(chain: str, case_id: int, case_no: str) -> str:
    """The README's start of a case's chain: its id, number and the chain's name, hashed."""
    obj = {"case_id": case_id, "case_no": case_no, "chain": chain}
    return hashlib.sha256(
        json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def stored(table: Any, case_id: int) -> list[Any]:
    with UnitOfWork(engine()) as uow:
        query = select(table).where(table.c.case_id == case_id).order_by(table.c.seq)
        return list(uow.conn.execute(query).mappings())


def caller(name: str = "centre-audit") -> Any:
    key = a_key("coordinator", name=name)["Authorization"].removeprefix("Bearer ")
    with UnitOfWork(engine()) as uow:
        return access.caller_for(uow.conn, key)


def a_mediating_case(ref: str = "CHAIN-1") -> tuple[str, int]:
    """A case waiting for its first outcome; each ref has parties of its own (no suspected duplicate)."""
    people = (Party("applicant", f"赵{ref}"), Party("respondent", f"钱{ref}"))
    case_no, case_id = register(a_new_case(channel_ref=ref, parties=people))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    return case_no, case_id


def as_owner(database: str, table: str, statement: str, **params: object) -> None:
    """What the database owner can do: switch the append-only trigger off, change rows, switch it on."""
    with UnitOfWork(engine()) as uow:
        if database.startswith("postgresql"):
            uow.conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
            uow.conn.execute(text(statement), params)
            uow.conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))
        else:
            kind = "update" if statement.startswith("UPDATE") else "delete"
            uow.conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{kind}"))
            uow.conn.execute(text(statement), params)
        uow.commit()


def written_now() -> str:
    """recorded_at as a raw INSERT gives it: SQLite refuses any other than the time of writing,
    PostgreSQL's trigger puts its own clock's in its place."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def audit(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify", *args])
    return result.exit_code, result.output


def test_each_move_and_each_read_is_the_next_link_of_its_cases_chain(network):
    case_no, case_id = a_mediating_case()
    reader = caller()
    read_case(case_no, reader)
    read_timeline(case_no, reader, unmask=True, reason="核实")

    moves, reads = stored(transitions, case_id), stored(access_log, case_id)

    assert [(r["seq"], r["to_status"]) for r in moves] == [(1, "received"), (2, "triaged"), (3, "mediating")]
    start = auditor_start("transitions", case_id, case_no)
    assert [r["prev_hash"] for r in moves] == [start, moves[0]["row_hash"], moves[1]["row_hash"]]
    assert [r["row_hash"] for r in moves] == [auditor_hash("transitions", r, TIMELINE) for r in moves]
    assert [(r["seq"], r["action"], r["fields"]) for r in reads] == [
        (1, "read_masked", ["parties.name", "parties.id_number", "parties.phone", "summary"]),
        (2, "unmask", ["transitions.reason", "transitions.note"]),
    ]
    assert [r["prev_hash"] for r in reads] == [auditor_start("access_log", case_id, case_no), reads[0]["row_hash"]]
    assert [r["row_hash"] for r in reads] == [auditor_hash("access_log", r, ACCESS) for r in reads]
    assert audit() == (0, "核验 verified 1 cases: 3 transitions, 2 access-log rows: 完好 intact\n")


def test_a_transition_changed_by_the_owner_is_reported_with_its_case_and_seq(database, network):
    case_no, case_id = a_mediating_case()
    a_mediating_case("CHAIN-2")  # another case's chain stays sound
    [_, triage, _] = stored(transitions, case_id)

    as_owner(
        database, "transitions", "UPDATE transitions SET rule = 'keyword:x' WHERE case_id = :c AND seq = 2", c=case_id
    )

    [_, changed, _] = stored(transitions, case_id)
    recomputed = auditor_hash("transitions", changed, TIMELINE)
    assert audit() == (
        1,
        f"断链 broken: case {case_no}, transitions seq 2: content does not match its hash "
        f"(stored {triage['row_hash'][:12]}…, recomputed {recomputed[:12]}…)\n"
        "核验 verified 2 cases: 6 transitions, 0 access-log rows: 1 处断链 broken\n",
    )
    assert audit("--case", case_no)[0] == 1
    assert verify(case=str(case_id)).breaks[0].seq == 2


def test_an_access_log_row_changed_by_the_owner_is_reported_with_its_case_and_seq(database, network):
    case_no, case_id = a_mediating_case()
    reader = caller()
    for _ in range(3):
        read_case(case_no, reader)

    as_owner(
        database, "access_log", "UPDATE access_log SET reason = 'routine' WHERE case_id = :c AND seq = 2", c=case_id
    )

    [found] = verify().breaks
    assert (found.case_no, str(found.chain), found.seq) == (case_no, "access_log", 2)
    assert found.what.startswith("content does not match its hash (stored ")


def test_a_deleted_row_is_reported_at_its_seq(database, network):
    case_no, case_id = a_mediating_case()
    other_no, other_id = a_mediating_case("CHAIN-2")

    as_owner(database, "transitions", "DELETE FROM transitions WHERE case_id = :c AND seq = 2", c=case_id)
    as_owner(database, "transitions", "DELETE FROM transitions WHERE case_id = :c AND seq = 3", c=other_id)

    assert [str(b) for b in verify().breaks] == [
        f"case {case_no}, transitions seq 2: missing (seq 3 follows seq 1)",
        f"case {other_no}, transitions seq 3: missing (the case is at version 3, its timeline ends at seq 2)",
    ]


def test_a_row_changed_with_its_hash_recomputed_breaks_the_next_link(database, network):
    case_no, case_id = a_mediating_case()
    [_, triage, _] = stored(transitions, case_id)
    forged = dict(triage, reason="forged")
    forged_hash = auditor_hash("transitions", forged, TIMELINE)

    as_owner(
        database,
        "transitions",
        "UPDATE transitions SET reason = 'forged', row_hash = :h WHERE case_id = :c AND seq = 2",
        h=forged_hash,
        c=case_id,
    )

    assert [str(b) for b in verify().breaks] == [
        f"case {case_no}, transitions seq 3: prev_hash {triage['row_hash'][:12]}… is not seq 2's hash "
        f"{forged_hash[:12]}… (the row before it was changed or replaced)"
    ]


def test_since_verifies_whole_the_chains_of_the_cases_recorded_from_that_day(database, network):
    case_no, case_id = a_mediating_case()
    back = "UPDATE transitions SET at = '2020-01-01 00:00:00+00' WHERE case_id = :c AND seq = 1"
    as_owner(database, "transitions", back, c=case_id)  # its hash no longer holds; `at` says 2020

    today = datetime.now(UTC).strftime("%Y-%m-%d")
    code, out = audit("--since", today)  # recorded today: the case's chain whole, from seq 1
    assert (code, out.splitlines()[0].split(": content")[0]) == (1, f"断链 broken: case {case_no}, transitions seq 1")
    assert audit("--since", "2099-01-01") == (  # would choose no case and say intact
        2,
        "invalid_input: field since: --since 2099-01-01 不能晚于今天 is a day still to come (China time)\n",
    )
    assert audit("--since", "yesterday")[0] == 2


def test_readers_and_writers_racing_on_one_case_keep_one_chain_each(network):
    case_no, case_id = register(a_new_case(channel_ref="RACE-CHAIN"))
    readers = [caller(f"centre-{i}") for i in range(6)]

    results = race(*(lambda r=r: read_case(case_no, r) for r in readers), lambda: case_flow(case_id))

    assert [type(r).__name__ for r in results] == ["CaseRead"] * 6 + ["str"]
    moves, reads = stored(transitions, case_id), stored(access_log, case_id)
    assert [r["seq"] for r in reads] == [1, 2, 3, 4, 5, 6]
    assert [r["prev_hash"] for r in reads] == [auditor_start("access_log", case_id, case_no)] + [
        r["row_hash"] for r in reads[:-1]
    ]
    assert [r["at"] for r in reads] == sorted(r["at"] for r in reads)  # a reader that waited is not dated before
    assert [r["seq"] for r in moves] == [1, 2, 3]
    assert [r["prev_hash"] for r in moves] == [auditor_start("transitions", case_id, case_no)] + [
        r["row_hash"] for r in moves[:-1]
    ]
    assert verify().breaks == []


def test_the_case_page_shows_whether_its_chain_verifies(database, api):
    case_no, case_id = a_mediating_case()
    key = a_key("coordinator", name="centre-page")["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303

    sound = api.get(f"/dashboard/cases/{case_no}").text
    as_owner(database, "transitions", "UPDATE transitions SET actor = 'x' WHERE case_id = :c AND seq = 3", c=case_id)
    broken = api.get(f"/dashboard/cases/{case_no}").text

    assert (
        '<dd id="chain"><span class="tag chain-ok">完好 verifies</span> '
        "<small>3 transitions, 2 access-log rows</small></dd>" in sound
    )  # this view's own two reads are links already
    assert (
        '<dd id="chain"><span class="tag chain-broken">断链 broken</span> <code>transitions seq 3</code>: '
        "content does not match its hash (stored " in broken
    )
    assert f"<small>fengqiao audit verify --case {case_no}</small>" in broken


ROWS_BEFORE_0011 = [
    "INSERT INTO config_versions (id, created_at, source, sha256, document) "
    "VALUES (1, '2026-11-01 08:00:00+00', 'old', 'x', '{}')",
    "INSERT INTO cases (id, case_no, channel, channel_ref, status, version, area_code, summary, people_involved, "
    "risk, path_step, attempt, config_version, flow_run_open, created_at, updated_at) VALUES (1, 'FQ20260000001', "
    "'grid', 'G-1', 'triaged', 2, '511502001001', '漏水', 1, 'normal', 0, 0, 1, false, '2026-11-01 08:00:00+00', "
    "'2026-11-01 09:00:00+00')",
    "INSERT INTO transitions (case_id, seq, at, from_status, to_status, stage, actor, reason, note) VALUES "
    "(1, 1, '2026-11-01 08:00:00+00', NULL, 'received', 'intake', 'channel:grid', 'received via grid', NULL), "
    "(1, 2, '2026-11-01 09:00:00.250000+00', 'received', 'triaged', 'triage', 'fengqiao', '邻里纠纷 “楼上”', '张三')",
    "INSERT INTO api_keys (id, name, role, areas, orgs, prefix, sha256, created_at) "
    "VALUES (7, 'desk', 'coordinator', '[]', '[]', 'abcd', 'x', '2026-11-01 08:00:00+00')",
    "INSERT INTO access_log (id, at, key_id, key_name, role, case_id, action, fields, reason) VALUES "
    "(11, '2026-11-02 08:00:00+00', 7, 'desk', 'coordinator', 1, 'read_masked', '[\"summary\"]', 'view'), "
    "(10, '2026-11-02 07:00:00+00', 7, 'desk', 'coordinator', 1, 'unmask', '[\"parties.name\"]', '核实')",
]


COLUMNS_0011 = {
    "transitions": "case_id, seq, at, from_status, to_status, stage, actor, reason, note, org_code, rule, flow_run_id",
    "access_log": "id, case_id, seq, at, key_id, key_name, role, action, fields, reason",
}


def stored_0011(table: str) -> list[Any]:
    """Case 1's rows in the columns 0011 knows, `at` and `fields` as the application reads them."""
    columns = [c.strip() for c in COLUMNS_0011[table].split(",")]
    with UnitOfWork(engine()) as uow:
        source = {"transitions": transitions, "access_log": access_log}[table]
        query = select(*(source.c[c] for c in [*columns, "prev_hash", "row_hash"])).where(source.c.case_id == 1)
        return list(uow.conn.execute(query.order_by(source.c.seq)).mappings())


def test_migrations_0011_and_0016_chain_the_rows_stored_before_them_and_keep_them_append_only(database):
    command.downgrade(alembic_config(database), "0010")
    db = get_engine(database)
    with db.begin() as conn:
        for statement in ROWS_BEFORE_0011:
            conn.execute(text(statement))

    upgrade(database, "0011")

    moves, reads = stored_0011("transitions"), stored_0011("access_log")
    assert [r["prev_hash"] for r in moves] == [ZERO, moves[0]["row_hash"]]
    assert [r["row_hash"] for r in moves] == [auditor_hash("transitions", r, TIMELINE) for r in moves]
    assert [(r["id"], r["seq"], r["action"]) for r in reads] == [(10, 1, "unmask"), (11, 2, "read_masked")]
    assert [r["prev_hash"] for r in reads] == [ZERO, reads[0]["row_hash"]]
    assert [r["row_hash"] for r in reads] == [auditor_hash("access_log", r, ACCESS) for r in reads]
    refused = [
        ("UPDATE transitions SET reason = 'x'", "transitions are append-only"),
        ("DELETE FROM transitions", "transitions are append-only"),
        ("UPDATE access_log SET reason = 'x'", "access_log is append-only"),
    ]
    if database.startswith("postgresql"):  # a statement trigger: row triggers never see TRUNCATE
        refused += [("TRUNCATE transitions", "transitions are append-only"), ("TRUNCATE access_log", "access_log is")]
    for statement, message in refused:
        with pytest.raises(DBAPIError, match=message), db.begin() as conn:
            conn.execute(text(statement))

    upgrade(database)  # 0016: each chain starts from its case's number now; contents and order unchanged

    again, reread = stored_0011("transitions"), stored_0011("access_log")
    assert [r["prev_hash"] for r in again] == [auditor_start("transitions", 1, "FQ20260000001"), again[0]["row_hash"]]
    assert [r["row_hash"] for r in again] == [auditor_hash("transitions", r, TIMELINE) for r in again]
    assert [r["prev_hash"] for r in reread] == [auditor_start("access_log", 1, "FQ20260000001"), reread[0]["row_hash"]]
    assert [r["row_hash"] for r in reread] == [auditor_hash("access_log", r, ACCESS) for r in reread]
    assert [{k: r[k] for k in COLUMNS_0011["transitions"].split(", ")} for r in again] == [
        {k: r[k] for k in COLUMNS_0011["transitions"].split(", ")} for r in moves
    ]
    assert verify().breaks == []
    for statement, message in refused:
        with pytest.raises(DBAPIError, match=message), db.begin() as conn:
            conn.execute(text(statement))

    command.downgrade(alembic_config(database), "0011")  # from 64 zeros again, as 0011 left them
    assert [r["prev_hash"] for r in stored_0011("transitions")] == [ZERO, moves[0]["row_hash"]]
    assert stored_0011("access_log") == reads

    command.downgrade(alembic_config(database), "0010")

    with db.begin() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("access_log")}
        assert {"seq", "prev_hash", "row_hash", "recorded_at"} & columns == set()
        assert conn.execute(text("SELECT count(*) FROM transitions")).scalar_one() == 2
        with pytest.raises(DBAPIError, match="access_log is append-only"), conn.begin_nested():
            conn.execute(text("DELETE FROM access_log"))
    if database.startswith("postgresql"):
        with db.begin() as conn:  # the statement triggers went with the columns: TRUNCATE as before 0011
            assert conn.execute(text("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%no_truncate'")).scalar() == 0


def test_a_verification_under_way_holds_back_no_writer(network):
    a_mediating_case()
    with evidence.reading(engine()) as conn:
        rows = evidence.chain_rows(conn, Chain.TIMELINE)
        assert next(rows)["seq"] == 1  # the read is open, its snapshot held
        started = time.monotonic()
        _, other = a_mediating_case("WHILE-READING")  # SQLite's writers wait up to 60 s for a lock
        assert time.monotonic() - started < 20
        assert [r["case_id"] for r in rows] == [1, 1]  # the snapshot: the other case is not in it
    assert [r["seq"] for r in stored(transitions, other)] == [1, 2, 3]


def test_a_row_written_outside_the_chain_is_reported(network):
    case_no, case_id = a_mediating_case()
    reader = caller()
    read_case(case_no, reader)
    with UnitOfWork(engine()) as uow:  # as anyone with INSERT may: no seq, no hashes
        uow.conn.execute(
            text(
                "INSERT INTO access_log (id, at, key_id, key_name, role, case_id, action, fields, reason, "
                "recorded_at) VALUES (900, '2026-12-01 08:00:00+00', :k, 'centre-audit', 'coordinator', :c, "
                "'unmask', '[]', 'x', :now)"
            ),
            {"k": reader.key_id, "c": case_id, "now": written_now()},
        )
        uow.conn.execute(
            text(
                "INSERT INTO transitions (case_id, seq, at, to_status, stage, actor, reason, recorded_at) "
                "VALUES (:c, 4, '2026-12-01 08:00:00+00', 'mediating', 'clock', 'x', 'x', :now)"
            ),
            {"c": case_id, "now": written_now()},
        )
        uow.commit()

    assert sorted(str(b) for b in verify().breaks) == [
        f"case {case_no}, access_log seq 0: a row without seq (id 900): written outside the chain",
        f"case {case_no}, transitions seq 4: no hash: written outside the chain",
    ]
