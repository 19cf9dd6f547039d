"""Benchmark: `fengqiao intake` of a 10,000-record channel file into PostgreSQL, as a user runs it.

    .venv/bin/python benchmarks/intake.py --records 10000 [--channel hotline_12345] [--sqlite]

Generates 12345 hotline tickets across the sample network's eight grids: distinct callers, a
share of repeat reports against the same employers (duplicates to detect, 并单) and a share of bad
records (wrong ID check digit, bad phone), then runs the real command in a subprocess against a
fresh database and reads back what was stored. Accepting records is timed without starting
flows (--no-start-flows), which is how a bulk import runs; the worker's sweep starts them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
GRIDS = [f"5115{d}00{s}00{c}001" for d, s, c in (("02", 1, 1), ("02", 1, 2), ("02", 2, 1), ("02", 2, 2))] + [
    f"5115{d}00{s}00{c}001" for d, s, c in (("03", 1, 1), ("03", 1, 2), ("03", 2, 1), ("03", 2, 2))
]
CATEGORIES = ["0101", "0102", "0201", "0301", "0302", "0401", "0501", "0601", "0701", "0999"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def id_number(rng: random.Random) -> str:
    from fengqiao.models.identity import id_check_digit

    first17 = (
        f"511502{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    )
    return first17 + id_check_digit(first17)


def ticket(n: int, rng: random.Random, employers: list[str]) -> dict:
    repeat = rng.random() < 0.03
    category = "0301" if repeat else rng.choice(CATEGORIES)
    grid = GRIDS[n % 3] if repeat else rng.choice(GRIDS)
    caller = {"name": rng.choice(SURNAMES) + f"来电人{n}", "phone": f"13{rng.randint(0, 9)}{n:08d}"}
    if rng.random() < 0.5:
        caller["id_number"] = id_number(rng)
    record = {
        "ticket_id": f"YB12345-BENCH-{n:06d}",
        "dispatched_at": "2026-11-02T09:40:00+08:00",
        "call_time": "2026-11-02T09:12:31+08:00",
        "caller": caller,
        "respondent": {"name": rng.choice(employers) if repeat else f"被反映人{n}"},
        "category": category,
        "address": f"测试地址{n}号",
        "area_code": grid[:12],
        "description": "来电反映工资拖欠" if repeat else f"来电反映纠纷情况{n}",
        "urgency": "normal",
        "reply_due": "2026-11-07T18:00:00+08:00",
    }
    if rng.random() < 0.01:  # a typo somewhere: the import must name it and go on
        record["caller"]["phone"] = "12345"
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite default instead of PostgreSQL")
    args = parser.parse_args()
    from sqlalchemy import create_engine, text

    rng = random.Random(20261123)
    employers = ["宜宾顺达建筑劳务有限公司", "翠屏恒通物流有限公司", "南溪滨江置业有限公司"]
    work = Path(tempfile.mkdtemp(prefix="fq-intake-bench-"))
    file = work / "tickets.jsonl"
    with file.open("w", encoding="utf-8") as f:
        for n in range(args.records):
            f.write(json.dumps(ticket(n, rng, employers), ensure_ascii=False) + "\n")

    name = f"fq_intake_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{PG}/test", isolation_level="AUTOCOMMIT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FENGQIAO_", "PREFECT_"))}
    env["FENGQIAO_HOME"] = str(work / "home")
    env["FENGQIAO_LOG_FILE"] = str(work / "fengqiao.log")
    if args.sqlite:
        url = f"sqlite:///{work / 'home' / 'fengqiao.db'}"
    else:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = f"{PG}/{name}"
    env["FENGQIAO_DATABASE_URL"] = url
    fengqiao = str(Path(sys.executable).with_name("fengqiao"))
    try:
        subprocess.run([fengqiao, "config", "apply"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        run = subprocess.run(
            [fengqiao, "intake", str(file), "--channel", "hotline_12345", "--no-start-flows"],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        summary = [line for line in run.stdout.splitlines() if line.startswith("登记 ")]
        rejected_lines = sum(1 for line in run.stdout.splitlines() if line.startswith("rejected"))
        with create_engine(url).connect() as conn:
            cases = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
            duplicates = conn.execute(text("SELECT count(*) FROM cases WHERE duplicate_of IS NOT NULL")).scalar_one()
            emergencies = conn.execute(text("SELECT count(*) FROM cases WHERE risk = 'emergency'")).scalar_one()
            kept = conn.execute(text("SELECT count(*) FROM intake_records")).scalar_one()
        print(f"database        {'SQLite (embedded)' if args.sqlite else 'PostgreSQL'}")
        print(f"records         {args.records} in {file.stat().st_size / 1e6:.1f} MB")
        print(f"exit status     {run.returncode}; {summary[-1] if summary else run.stderr[-300:]}")
        print(
            f"stored          {cases} cases ({duplicates} suspected duplicates, {emergencies} made emergencies), "
            f"{kept} payloads kept; {rejected_lines} rejected lines printed"
        )
        print(f"wall time       {seconds:.1f} s (the whole command, start-up included)")
        print(f"records/s       {args.records / seconds:.0f}")
        print(f"cases/s         {cases / seconds:.0f}")
    finally:
        if not args.sqlite:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
