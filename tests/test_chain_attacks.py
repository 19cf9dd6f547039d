"""What an attacker holding only the application's role could do to the evidence chains (issue 18's
outside review), each done here as that attacker does it: on PostgreSQL through the role `fengqiao db
upgrade` makes (INSERT and SELECT only on the timeline and access log), on SQLite through the file.
Each is refused by the database or reported by `fengqiao audit verify`, never a crash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.db.engine import get_engine
from fengqiao.db.tables import access_log, cases, transitions
from fengqiao.services.case_reads import read_case
from fengqiao.services.chain_digest import write_digest
from fengqiao.services.evidence import verify_case
from fengqiao.services.runtime import now
from tests.factories import a_key
from tests.test_app_role import app_role  # noqa: F401 - the PostgreSQL application's role, made by db upgrade
from tests.test_evidence_chain import (
    TIMELINE,
    a_mediating_case,
    as_owner,
    audit,
    auditor_hash,
    auditor_start,
    caller,
    stored,
    written_now,
)


@pytest.fixture
def writer(request: pytest.FixtureRequest, database: str, network: int) -> Iterator[Engine]:
    """The attacker's connection: the application's own role on PostgreSQL (the cases below are made
    through it too), the database file on SQLite."""
    if database.startswith("postgresql"):
        url = request.getfixturevalue("app_role")
        upgraded = CliRunner().invoke(app, ["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        yield get_engine(url)
    else:
        yield get_engine(database)


def owner_does(database: str, *statements: str, **params: object) -> None:
    """The owner's role (the test database's administrator), with whatever trigger is named first
    out of the way on PostgreSQL (DISABLE) or dropped on SQLite."""
    table, trigger = statements[0].split()
    with get_engine(database).begin() as conn:
        if database.startswith("postgresql"):
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        else:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        for statement in statements[1:]:
            conn.execute(text(statement), params)
        if database.startswith("postgresql"):
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))


def short(h: str) -> str:
    return f"{h[:12]}…"


def test_1_case_numbers_are_fixed_and_a_swap_by_the_owner_breaks_both_chains_and_the_digest(database, writer, tmp_path):
    first_no, first = a_mediating_case()
    second_no, second = a_mediating_case("CHAIN-2")
    read_case(first_no, caller())
    kept = write_digest(at=now(), folder=tmp_path)

    for case_id, other_no in ((first, second_no), (second, "FQ20269999999")):
        with pytest.raises(DBAPIError, match=r"cases\.case_no is fixed once given"), writer.begin() as conn:
            conn.execute(update(cases).where(cases.c.id == case_id).values(case_no=other_no))

    swap = "UPDATE cases SET case_no = :to WHERE id = :c"
    owner_does(
        database,
        "cases cases_case_no_fixed",
        swap.replace(":to", "'FQ-SWAP'").replace(":c", str(first)),
        swap.replace(":to", f"'{first_no}'").replace(":c", str(second)),
        swap.replace(":to", f"'{second_no}'").replace(":c", str(first)),
    )

    def begun(chain: str, case_id: int, was: str, now_no: str) -> str:
        return (
            f"断链 broken: case {now_no}, {chain} seq 1: prev_hash {short(auditor_start(chain, case_id, was))} is not "
            f"the start of this case's chain {short(auditor_start(chain, case_id, now_no))} "
            "(begun under another case number?)"
        )

    assert audit() == (
        1,
        "\n".join(
            [
                begun("transitions", first, first_no, second_no),
                begun("transitions", second, second_no, first_no),
                begun("access_log", first, first_no, second_no),
                "核验 verified 2 cases: 6 transitions, 1 access-log rows: 3 处断链 broken\n",
            ]
        ),
    )
    day = kept.summary["day"]
    code, out = audit("--digest", str(kept.path))
    renumbered = [line for line in out.splitlines() if "against the digest" in line]
    assert (code, renumbered) == (
        1,
        [
            f"断链 broken: case {first_no}, access_log seq 1: against the digest of {day}: the digest names the case "
            f"{first_no}, the database {second_no} (renumbered)",
            f"断链 broken: case {first_no}, transitions seq 3: against the digest of {day}: the digest names the "
            f"case {first_no}, the database {second_no} (renumbered)",
            f"断链 broken: case {second_no}, transitions seq 3: against the digest of {day}: the digest names the "
            f"case {second_no}, the database {first_no} (renumbered)",
        ],
    )


def test_2_an_instant_out_of_range_is_refused_and_an_unreadable_row_stored_before_is_a_break_not_a_crash(
    database, writer
):
    case_no, case_id = a_mediating_case()
    read_case(case_no, caller())
    [head] = stored(access_log, case_id)
    row = {k: head[k] for k in ("key_id", "key_name", "role", "action", "reason")}
    planted = {**row, "case_id": case_id, "seq": 2, "fields": "[]", "prev_hash": head["row_hash"], "hash": "f" * 64}
    plant = (
        "INSERT INTO access_log (case_id, seq, at, key_id, key_name, role, action, fields, reason, prev_hash, "
        "row_hash, recorded_at) VALUES (:case_id, :seq, :at, :key_id, :key_name, :role, :action, :fields, :reason, "
        ":prev_hash, :hash, :now)"
    )
    refusal = (
        'violates check constraint "ck_access_log_at"'
        if database.startswith("postgresql")
        else "access_log.at must be an instant from 2000 to 2099"
    )
    for at in ("-infinity", "infinity", "2100-01-01 00:00:00+00", "1999-12-31 23:59:59+00"):
        with pytest.raises(DBAPIError, match=refusal), writer.begin() as conn:
            conn.execute(text(plant), {**planted, "at": at, "now": written_now()})

    if database.startswith("postgresql"):  # as if stored before migration 0016 made the CHECK
        drop = "ALTER TABLE access_log DROP CONSTRAINT ck_access_log_at"
    else:
        drop = "DROP TRIGGER access_log_at_sane"
    with get_engine(database).begin() as conn:
        conn.execute(text(drop))
        conn.execute(text(plant), {**planted, "at": "-infinity", "now": written_now()})
        planted_id = conn.scalar(text("SELECT max(id) FROM access_log"))
    expected = [
        f"断链 broken: case {case_no}, access_log seq 2: unreadable: at '-infinity' is no instant fengqiao writes (id {planted_id})"
    ]
    if database.startswith("sqlite"):  # text that is not UTF-8: PostgreSQL refuses it, SQLite stores it
        other_no, other = a_mediating_case("CHAIN-2")
        with get_engine(database).begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO transitions (case_id, seq, at, to_status, stage, actor, reason, recorded_at) "
                    "VALUES (:c, 4, '2026-12-01 08:00:00', 'mediating', 'clock', 'x', CAST(X'E6FF' AS TEXT), :now)"
                ),
                {"c": other, "now": written_now()},
            )
            bad_id = conn.scalar(text("SELECT max(id) FROM transitions"))
        expected.insert(
            0, f"断链 broken: case {other_no}, transitions seq 4: unreadable: reason is not valid UTF-8 (id {bad_id})"
        )

    code, out = audit()

    assert (code, out.splitlines()[:-1]) == (1, expected)
    assert verify_case(case_id).breaks[0].what.startswith("unreadable: at '-infinity'")


def forged_move(case_id: int, seq: int, at: datetime) -> dict[str, Any]:
    """The next transition, correctly chained, as anyone with SELECT and INSERT can compute it."""
    before = stored(transitions, case_id)[-1]
    row = dict(case_id=case_id, seq=seq, at=at, from_status="mediating", to_status="mediating", stage="clock")
    row |= dict(actor="fengqiao", reason="forged", note=None, org_code=before["org_code"], rule=None, flow_run_id=None)
    row["prev_hash"] = before["row_hash"]
    return {**row, "row_hash": auditor_hash("transitions", row, TIMELINE), "recorded_at": datetime.now(UTC)}


def test_3_the_timeline_runs_exactly_to_the_cases_version_and_never_back_in_time(database, writer):
    appended_no, appended = a_mediating_case()
    backdated_no, backdated = a_mediating_case("CHAIN-2")
    lowered_no, lowered = a_mediating_case("CHAIN-3")
    forged = [forged_move(appended, 4, datetime.now(UTC)), forged_move(backdated, 4, datetime(2020, 1, 1, tzinfo=UTC))]
    with writer.begin() as conn:
        conn.execute(insert(transitions), forged)
        conn.execute(update(cases).where(cases.c.id == backdated).values(version=4))
    with pytest.raises(DBAPIError, match=r"cases\.version moves by one"), writer.begin() as conn:
        conn.execute(update(cases).where(cases.c.id == lowered).values(version=2))  # refused since migration 0021
    owner_does(database, "cases cases_moved", f"UPDATE cases SET version = 2 WHERE id = {lowered}")
    third = stored(transitions, backdated)[2]["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    assert audit()[1].splitlines() == [
        f"断链 broken: case {appended_no}, transitions seq 4: past the case's version 3 (its timeline runs to seq 4)",
        f"断链 broken: case {backdated_no}, transitions seq 4: at 2020-01-01T00:00:00.000000Z is before seq 3's "
        f"{third} (backdated)",
        f"断链 broken: case {lowered_no}, transitions seq 3: past the case's version 2 (its timeline runs to seq 3)",
        "核验 verified 3 cases: 11 transitions, 0 access-log rows: 3 处断链 broken",
    ]
    with writer.begin() as conn:  # what the chain cannot tell from the application's own write: the digest's part
        conn.execute(update(cases).where(cases.c.id == appended).values(version=4))
        conn.execute(update(cases).where(cases.c.id == lowered).values(version=3))
    assert audit("--case", appended_no) == (0, "核验 verified 1 cases: 4 transitions, 0 access-log rows: 完好 intact\n")


def test_5_since_chooses_cases_by_when_the_database_recorded_a_row_not_by_its_at(database, writer):
    old_no, old = a_mediating_case()
    _, untouched = a_mediating_case("CHAIN-2")
    back = "UPDATE transitions SET recorded_at = '2020-01-01 00:00:00+00' WHERE case_id IN (:a, :b)"
    trigger = "transitions_append_only" if database.startswith("postgresql") else "transitions_no_update"
    owner_does(database, f"transitions {trigger}", back, a=old, b=untouched)
    forged = forged_move(old, 4, datetime(2020, 6, 1, tzinfo=UTC)) | {"row_hash": "f" * 64}
    with writer.begin() as conn:  # dated 2020 to slip past a --since that trusted `at`
        conn.execute(insert(transitions).values(**forged))

    code, out = audit("--since", datetime.now(UTC).strftime("%Y-%m-%d"))

    assert (code, out.splitlines()[0].split(" (stored")[0], out.splitlines()[1]) == (
        1,
        f"断链 broken: case {old_no}, transitions seq 4: content does not match its hash",
        "核验 verified 1 cases: 4 transitions, 0 access-log rows: 1 处断链 broken",
    )


def test_6_the_case_page_of_a_case_without_a_timeline_says_broken(database, api):
    case_no, case_id = a_mediating_case()
    key = a_key("coordinator", name="centre-page")["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303
    as_owner(database, "transitions", "DELETE FROM transitions WHERE case_id = :c", c=case_id)

    page = api.get(f"/dashboard/cases/{case_no}").text

    missing = "missing (the case has no timeline; it is at version 3, and begins with its intake row)"
    assert f'<span class="tag chain-broken">断链 broken</span> <code>transitions seq 1</code>: {missing}' in page
    assert [str(b) for b in verify_case(case_id).breaks] == [f"case {case_no}, transitions seq 1: {missing}"]


def resealed(lines: list[str]) -> str:
    """The digest's lines with the root made again over them, as whoever changed the file would."""
    body = "".join(f"{line}\n" for line in lines[:-1])
    summary = json.loads(lines[-1]) | {"root": hashlib.sha256(body.encode()).hexdigest(), "chains": len(lines) - 1}
    return body + json.dumps(summary, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


MALFORMED = [
    ("not json", "not a JSON object"),
    ("[1, 2]", "not a JSON object"),
    ("[" * 100_000 + "]" * 100_000, "not a JSON object"),
    (
        '{"case_id": 1e400, "case_no": null, "chain": "transitions", "hash": "HASH", "seq": 1}',
        "case_id 'inf' is not a positive integer",
    ),
    (
        '{"case_id": true, "case_no": null, "chain": "transitions", "hash": "HASH", "seq": 1}',
        "case_id 'True' is not a positive integer",
    ),
    (
        '{"case_id": 1, "case_no": null, "chain": "forged", "hash": "HASH", "seq": 1}',
        "chain 'forged' is neither transitions nor access_log",
    ),
    ('{"case_id": 1, "case_no": {}, "chain": "transitions", "hash": "HASH", "seq": 1}', "case_no is not a case number"),
    (
        '{"case_id": 1, "case_no": null, "chain": "transitions", "hash": "XYZ", "seq": 1}',
        "hash is not 64 lowercase hex digits",
    ),
    (
        '{"case_id": 1, "chain": "transitions", "hash": "HASH", "seq": 1}',
        "a chain head has exactly the keys case_id, case_no, chain, hash, seq",
    ),
    (
        '{"at": "x", "chains": 0, "day": "x", "format": "fengqiao-chain-digest/2", "root": "x"}',
        "a chain head has exactly the keys case_id, case_no, chain, hash, seq",
    ),
]


def two_cases_digest(folder: Any) -> tuple[Any, list[str]]:
    """Two cases' digest, and its lines, to be spoiled."""
    a_mediating_case()
    a_mediating_case("CHAIN-2")
    kept = write_digest(at=now(), folder=folder)
    return kept, kept.path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # the file's reading: the database plays no part
def test_7_a_malformed_digest_line_is_refused_naming_its_line_never_a_crash(network, tmp_path):
    kept, lines = two_cases_digest(tmp_path)

    for bad, what in MALFORMED:
        kept.path.write_text(resealed([lines[0], bad.replace("HASH", "a" * 64), lines[2]]), encoding="utf-8")
        code, out = audit("--digest", str(kept.path))
        refused = f"invalid_input: field digest: digest {kept.path}: line 2: 格式不对 {what}\n"
        assert (code, out) == (2, refused), bad[:60]
    kept.path.write_text(resealed([lines[1], lines[0], lines[2]]), encoding="utf-8")
    assert audit("--digest", str(kept.path))[1].endswith(
        ": line 2: 链头顺序不对 heads out of order (case 1 transitions after case 2 transitions)\n"
    )
    kept.path.write_text("", encoding="utf-8")
    assert audit("--digest", str(kept.path)) == (
        2,
        f"invalid_input: field digest: digest {kept.path}: 文件为空 the file is empty (a digest ends with its summary line)\n",
    )
    kept.path.write_text(resealed(lines).replace("/2", "/1"), encoding="utf-8")
    assert audit("--digest", str(kept.path))[1].startswith(
        f"invalid_input: field digest: digest {kept.path}: line 3: 格式不对 a fengqiao-chain-digest/1, written before migration 0016"
    )


def test_7_every_chain_the_database_held_when_the_digest_was_taken_must_be_in_it(database, network, tmp_path):
    a_mediating_case()
    second_no, second = a_mediating_case("CHAIN-2")
    taken = now() + timedelta(minutes=2)  # both chains began more than the grace before it
    kept = write_digest(at=taken, folder=tmp_path)
    lines = kept.path.read_text(encoding="utf-8").splitlines()
    kept.path.write_text(resealed([lines[0], lines[2]]), encoding="utf-8")  # the second case's head taken out

    code, out = audit("--digest", str(kept.path))

    began = stored(transitions, second)[0]["recorded_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    shown = taken.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert (code, out.splitlines()[0]) == (
        1,
        f"断链 broken: case {second_no}, transitions seq 1: against the digest of {kept.summary['day']}: missing "
        f"from the digest, though its seq 1 was recorded {began}, before the digest's {shown}",
    )
    assert len(out.splitlines()) == 3  # the one break, the verdict, the digest's root


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # PostgreSQL's typed columns refuse it
def test_8_a_blob_in_a_text_column_is_an_unreadable_row_not_a_crash(database, network):
    case_no, case_id = a_mediating_case()
    read_case(case_no, caller())
    [head] = stored(access_log, case_id)
    with get_engine(database).begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS transitions_no_update"))
        conn.execute(text("UPDATE transitions SET reason = X'00FF' WHERE case_id = :c AND seq = 2"), {"c": case_id})
        conn.execute(text("DROP TRIGGER IF EXISTS access_log_no_update"))
        conn.execute(text("UPDATE access_log SET key_name = X'41' WHERE id = :i"), {"i": head["id"]})
        moved_id = conn.scalar(text("SELECT id FROM transitions WHERE case_id = :c AND seq = 2"), {"c": case_id})

    code, out = audit()

    assert (code, out.splitlines()[:-1]) == (
        1,
        [
            f"断链 broken: case {case_no}, transitions seq 2: unreadable: reason (bytes) b'\\x00\\xff' is no text "
            f"(id {moved_id})",
            f"断链 broken: case {case_no}, access_log seq 1: unreadable: key_name (bytes) b'A' is no text (id {head['id']})",
        ],
    )


def test_9_a_status_changed_without_a_timeline_row_is_refused_and_by_the_owner_a_break(database, writer):
    case_no, case_id = a_mediating_case()
    _, sound = a_mediating_case("CHAIN-2")
    closed = update(cases).where(cases.c.id == case_id).values(status="closed", outcome="resolved")
    with pytest.raises(DBAPIError, match="changes only with its version, by a move"), writer.begin() as conn:
        conn.execute(closed)  # the application's role may UPDATE cases, but a move only with its version
    trigger = "cases_moved" if database.startswith("postgresql") else "cases_moved_with_version"
    owner_does(
        database, f"cases {trigger}", f"UPDATE cases SET status = 'closed', outcome = 'resolved' WHERE id = {case_id}"
    )

    assert audit() == (
        1,
        f"断链 broken: case {case_no}, transitions seq 3: the case's status closed is not its last transition's "
        "to_status mediating (changed without a timeline row)\n"
        "核验 verified 2 cases: 6 transitions, 0 access-log rows: 1 处断链 broken\n",
    )
    assert verify_case(sound).intact


@pytest.mark.parametrize(
    "change",
    [
        {"outcome": "resolved"},
        {"agreement": "written"},
        {"concluded_by": "M-C02"},
        {"closed_at": datetime(2026, 11, 30, tzinfo=UTC)},
        {"mediator_code": "M-C02"},
        {"risk": "emergency"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_9_any_of_a_cases_moved_state_changes_only_with_its_version_and_then_past_its_timeline(
    database, writer, change
):
    case_no, case_id = a_mediating_case()
    with pytest.raises(DBAPIError, match="changes only with its version, by a move"), writer.begin() as conn:
        conn.execute(update(cases).where(cases.c.id == case_id).values(**change))
    with writer.begin() as conn:  # with its version, as a move: the timeline must then have the row
        conn.execute(update(cases).where(cases.c.id == case_id).values(version=cases.c.version + 1, **change))

    assert audit() == (
        1,
        f"断链 broken: case {case_no}, transitions seq 4: missing (the case is at version 4, its timeline ends at seq 3)\n"
        "核验 verified 1 cases: 3 transitions, 0 access-log rows: 1 处断链 broken\n",
    )


def utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def forged_case(writer: Engine, like: int, case_no: str, first_at: datetime) -> int:
    """A whole case and its three-row timeline, correctly chained from its own start, dated in the past:
    what the application's role can write (issue 18 second review, forge.py fake_case)."""
    timeline = stored(transitions, like)
    with writer.begin() as conn:
        source = conn.execute(cases.select().where(cases.c.id == like)).mappings().one()
        values = {k: v for k, v in source.items() if k != "id"}
        values |= dict(case_no=case_no, channel_ref=f"{source['channel_ref']}-forged", created_at=first_at)
        forged = conn.execute(insert(cases).values(**values).returning(cases.c.id)).scalar_one()
        prev = auditor_start("transitions", forged, case_no)
        for i, before in enumerate(timeline):
            row = {k: before[k] for k in TIMELINE} | dict(case_id=forged, at=first_at + timedelta(minutes=i))
            row["prev_hash"] = prev
            prev = auditor_hash("transitions", row, TIMELINE)
            conn.execute(insert(transitions).values(**row, row_hash=prev, recorded_at=datetime.now(UTC)))
    return forged


def test_10_a_row_dated_long_before_it_was_recorded_is_backdated_and_so_against_a_digest(database, writer, tmp_path):
    case_no, case_id = a_mediating_case()
    early = write_digest(at=now(), folder=tmp_path)
    forged = forged_case(writer, case_id, "FQ20260000098", datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    recorded = utc(stored(transitions, forged)[0]["recorded_at"])

    code, out = audit("--digest", str(early.path))

    assert (code, out.splitlines()[:-2]) == (
        1,
        [
            f"断链 broken: case FQ20260000098, transitions seq 1: backdated: at 2026-11-01T02:00:00.000000Z recorded "
            f"{recorded}",
            f"断链 broken: case FQ20260000098, transitions seq 1: against the digest of {early.summary['day']}: "
            f"missing from the digest, though its seq 1 was dated 2026-11-01T02:00:00.000000Z, before the digest's "
            f"{early.summary['at']}",
        ],
    )

    late = write_digest(at=now() + timedelta(minutes=3), folder=tmp_path)  # seq 3 is its head
    appended = forged_move(case_id, 4, datetime.now(UTC))
    with writer.begin() as conn:
        conn.execute(insert(transitions).values(**appended))
        conn.execute(update(cases).where(cases.c.id == case_id).values(version=4))

    assert audit("--case", case_no, "--digest", str(late.path))[1].splitlines()[0] == (
        f"断链 broken: case {case_no}, transitions seq 4: against the digest of {late.summary['day']}: dated "
        f"{utc(appended['at'])}, before the digest's {late.summary['at']}, yet beyond its head seq 3 (backdated)"
    )


NOT_AS_WRITTEN = (
    "not written as fengqiao writes it (keys sorted, no spaces, UTF-8 rather than \\u escapes, ending in one \\n)"
)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # the file's reading: the database plays no part
def test_11_a_digest_line_is_exactly_the_bytes_fengqiao_writes(network, tmp_path):
    kept, lines = two_cases_digest(tmp_path)
    first = json.loads(lines[0])
    refused = {
        lines[0] + "\r": NOT_AS_WRITTEN,  # CRLF
        " " + lines[0]: NOT_AS_WRITTEN,
        lines[0] + " ": NOT_AS_WRITTEN,
        json.dumps(dict(reversed(first.items())), separators=(",", ":")): NOT_AS_WRITTEN,  # keys out of order
        lines[0].replace('"FQ', '"\\u0046Q'): NOT_AS_WRITTEN,  # an escape where the writer writes the character
        lines[0][:-1] + ',"seq":1}': "the key 'seq' appears twice",
        lines[0][:-1] + f',"hash":"{"b" * 64}"}}': "the key 'hash' appears twice",
    }
    for bad, what in refused.items():
        kept.path.write_text(resealed([bad, lines[1], lines[2]]), encoding="utf-8", newline="")
        assert audit("--digest", str(kept.path)) == (
            2,
            f"invalid_input: field digest: digest {kept.path}: line 1: 格式不对 {what}\n",
        ), bad
    body = resealed(lines)
    kept.path.write_text(body + "\n", encoding="utf-8")
    assert audit("--digest", str(kept.path)) == (
        2,
        f"invalid_input: field digest: digest {kept.path}: line 4: 摘要行之后有空行 a blank line after the summary (a digest ends "
        "with its summary line)\n",
    )
    summary = json.loads(body.splitlines()[2])
    kept.path.write_text("\n".join(lines[:2]) + "\n" + json.dumps(summary, sort_keys=True) + "\n", encoding="utf-8")
    assert audit("--digest", str(kept.path)) == (
        2,
        f"invalid_input: field digest: digest {kept.path}: line 3: 格式不对 {NOT_AS_WRITTEN}\n",
    )
    kept.path.write_text(body, encoding="utf-8")
    assert audit("--digest", str(kept.path))[0] == 0


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # the command line's edge: the database plays no part
def test_12_audit_verify_exits_2_for_bad_input_and_says_its_codes(network):
    a_mediating_case()
    tomorrow = (now() + timedelta(days=2)).strftime("%Y-%m-%d")

    assert audit("--case", "FQ20269999999") == (2, "case_not_found: 没有案件 no case 'FQ20269999999'\n")
    assert audit("--since", tomorrow) == (
        2,
        f"invalid_input: field since: --since {tomorrow} 不能晚于今天 is a day still to come (China time)\n",
    )
    assert audit("--since", "2026-13-01")[0] == 2
    shown = " ".join(CliRunner().invoke(app, ["audit", "verify", "--help"]).output.split())
    assert "Exit codes: 0 完好 intact; 1 断链 a broken chain found; 2 输入有误 bad input" in shown
    assert "3 意外错误 any other error" in shown
