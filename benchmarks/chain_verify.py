"""How long `fengqiao audit verify` takes over a million transitions.

    .venv/bin/python benchmarks/chain_verify.py [--transitions 1000000] [--per-case 10] [--reads-per-case 0]
                                                [--database fq_chain_bench] [--sqlite] [--keep]

Makes a fresh database (PostgreSQL at 127.0.0.1, or SQLite in a temporary folder), migrates it,
and writes transitions / per-case cases, each with that many chained transitions (and access-log
rows, if asked) whose hashes models.evidence makes exactly as save_move does, bulk-loaded (COPY on
PostgreSQL), then ANALYZE. Then it runs `fengqiao audit verify` as a user runs it, in a process of
its own, and prints its wall time, rows a second and the process's CPU time; then it changes one
transition as the owner and runs it again, to show the break found (exit 1) in the same time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# rows dated a little before they are written: audit verify reports a row dated more than 5 minutes
# (models.evidence.BACKDATE) before the database recorded it as backdated
START = datetime.now(UTC) - timedelta(minutes=2)


def fresh_database(database: str, sqlite: bool) -> str:
    if sqlite:
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='fq-chain-')) / 'fengqiao.db'}"
    with create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    return f"{SERVER}/{database}"


def a_move(case_id: int, seq: int) -> dict[str, object]:
    return {
        "case_id": case_id,
        "seq": seq,
        "at": START + timedelta(milliseconds=seq),
        "from_status": None if seq == 1 else "mediating",
        "to_status": "received" if seq == 1 else "mediating",
        "stage": "intake" if seq == 1 else "clock",
        "actor": "fengqiao",
        "reason": f"step {seq} of case {case_id}: 时限中止 clock paused",
        "note": None,
        "org_code": "C-BAISHA",
        "rule": None,
        "flow_run_id": None,
    }


def a_read(case_id: int, seq: int) -> dict[str, object]:
    return {
        "case_id": case_id,
        "seq": seq,
        "at": START + timedelta(seconds=30, milliseconds=seq),
        "key_id": 1,
        "key_name": "bench",
        "role": "coordinator",
        "action": "read_masked",
        "fields": ["summary"],
        "reason": "view",
    }


def chains(chain: str, cases: int, per_case: int) -> Iterator[tuple[object, ...]]:
    """Every case's chain of per_case rows, hashed as models.evidence does, as tuples in column order."""
    from fengqiao.models.evidence import Chain, chained, start_hash

    make = a_move if Chain(chain) is Chain.TIMELINE else a_read
    for case_id in range(1, cases + 1):
        prev = start_hash(Chain(chain), case_id, case_number(case_id))
        for seq in range(1, per_case + 1):
            linked = chained(Chain(chain), make(case_id, seq), prev)
            prev = linked["row_hash"]
            yield (*linked.values(), datetime.now(UTC))  # recorded_at: PostgreSQL's trigger sets its own


def case_number(case_id: int) -> str:
    return f"FQ2026{case_id:07d}"


MOVE_COLUMNS = "case_id, seq, at, from_status, to_status, stage, actor, reason, note, org_code, rule, flow_run_id"
MOVE_COLUMNS += ", prev_hash, row_hash, recorded_at"
LOG_COLUMNS = "case_id, seq, at, key_id, key_name, role, action, fields, reason, prev_hash, row_hash, recorded_at"


def load(url: str, cases: int, per_case: int, reads_per_case: int) -> None:
    from fengqiao.db.engine import get_engine
    from fengqiao.db.migrate import upgrade
    from fengqiao.db.tables import api_keys, config_versions
    from fengqiao.db.tables import cases as case_table

    upgrade(url)
    engine = get_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(config_versions.insert().values(id=1, created_at=START, source="bench", sha256="x", document={}))
        key = dict(name="bench", role="coordinator", areas=[], orgs=[], prefix="bench", sha256="x", created_at=START)
        conn.execute(api_keys.insert().values(id=1, **key))
        conn.execute(
            case_table.insert(),
            [
                dict(
                    id=i,
                    case_no=case_number(i),
                    channel="grid",
                    status="mediating",
                    version=per_case,
                    area_code="511502001001",
                    summary="",
                    people_involved=1,
                    risk="normal",
                    path_step=0,
                    attempt=1,
                    config_version=1,
                    flow_run_open=False,
                    created_at=START,
                    updated_at=START,
                )
                for i in range(1, cases + 1)
            ],
        )
        for table, columns, chain in (
            ("transitions", MOVE_COLUMNS, chains("transitions", cases, per_case)),
            ("access_log", LOG_COLUMNS, chains("access_log", cases, reads_per_case)),
        ):
            if engine.dialect.name == "postgresql":
                with conn.connection.driver_connection.cursor().copy(  # type: ignore[union-attr]
                    f"COPY {table} ({columns}) FROM STDIN"
                ) as copy:
                    for row in chain:
                        copy.write_row([json.dumps(v) if isinstance(v, list) else v for v in row])
                continue
            names = columns.split(", ")
            statement = text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + n for n in names)})")
            for batch in iter(lambda chain=chain: list(islice(chain, 50_000)), []):
                conn.execute(
                    statement,
                    [
                        {n: json.dumps(v) if isinstance(v, list) else v for n, v in zip(names, r, strict=True)}
                        for r in batch
                    ],
                )
    print(f"hashed and loaded {cases:,} cases: {time.perf_counter() - started:.1f} s")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))


def audit(url: str, home: str) -> tuple[int, str, float, float]:
    """`fengqiao audit verify` in its own process: exit status, output, wall seconds, CPU seconds."""
    env = {**os.environ, "FENGQIAO_DATABASE_URL": url, "FENGQIAO_HOME": home}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "fengqiao"), "audit", "verify"], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.returncode, done.stdout + done.stderr, wall, cpu


def tamper(url: str, case_id: int, seq: int) -> None:
    """What an owner can do: change a row with the trigger out of the way."""
    change = text("UPDATE transitions SET actor = 'someone' WHERE case_id = :c AND seq = :s")
    with create_engine(url).begin() as conn:
        if url.startswith("postgresql"):
            conn.execute(text("ALTER TABLE transitions DISABLE TRIGGER transitions_append_only"))
            conn.execute(change, {"c": case_id, "s": seq})
            conn.execute(text("ALTER TABLE transitions ENABLE TRIGGER transitions_append_only"))
        else:
            conn.execute(text("DROP TRIGGER transitions_no_update"))
            conn.execute(change, {"c": case_id, "s": seq})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transitions", type=int, default=1_000_000)
    parser.add_argument("--per-case", type=int, default=10)
    parser.add_argument("--reads-per-case", type=int, default=0)
    parser.add_argument("--database", default="fq_chain_bench")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    cases = args.transitions // args.per_case
    url = fresh_database(args.database, args.sqlite)
    home = tempfile.mkdtemp(prefix="fq-chain-home-")
    try:
        load(url, cases, args.per_case, args.reads_per_case)
        rows_checked = cases * (args.per_case + args.reads_per_case)
        for label in ("intact", "one row changed"):
            code, output, wall, cpu = audit(url, home)
            print(f"\n{label}: exit {code}, {wall:.1f} s wall, {rows_checked / wall:,.0f} rows/s, {cpu:.1f} CPU-s")
            print("  " + "\n  ".join(output.strip().splitlines()[-3:]))
            if label == "intact":
                tamper(url, (cases + 1) // 2, (args.per_case + 1) // 2)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if args.sqlite and not args.keep:
            shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
        if not args.sqlite and not args.keep:
            from fengqiao.db.engine import get_engine

            get_engine(url).dispose()
            with create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
