"""Generate a long case history in PostgreSQL: a million cases over three years, most of them closed.

    .venv/bin/python benchmarks/history.py [--cases 1000000] [--database fq_history] [--fresh]

Creates (or reuses) the database, migrates it, applies the sample network, then writes the cases
in one INSERT … SELECT over generate_series (seeded, so the same data every time): registration
instants spread evenly over the three years up to now; channels, dispute types and communities in
fixed proportions; cases older than 45 days closed (86 % resolved — 70 % of them at a community or
grid, the rest at a street, district or panel —, 10 % handed off, 4 % withdrawn), newer ones open
at every stage with their due dates. Then it counts them into the statistics' counters with the
same rebuild the migration runs, and ANALYZEs. Prints how long each part took.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"

CASES_SQL = """
WITH params AS (SELECT CAST(:n AS bigint) AS n, now() - interval '3 years' AS start, interval '3 years' AS span),
g AS (
  SELECT i,
         p.start + p.span * (i::float8 / p.n) AS created_at,
         abs(hashint8(i)) AS h1, abs(hashint8(i + 7777777)) AS h2, abs(hashint8(i + 99999999)) AS h3
  FROM params p, generate_series(1, (SELECT n FROM params)) AS i
),
c AS (
  SELECT g.*,
    (ARRAY['511502001001','511502001002','511502002001','511502002002',
           '511503001001','511503001002','511503002001','511503002002'])[1 + h1 % 8] AS community,
    (ARRAY['neighbourhood','neighbourhood','neighbourhood','family','family','property','property',
           'land','contract','labour','labour','medical','traffic','traffic'])[1 + h2 % 14] AS dispute_type,
    (ARRAY['hotline_12345','hotline_12345','grid','grid','grid','walk_in','walk_in','police','court',
           'petition','online'])[1 + h3 % 11] AS channel,
    created_at < now() - interval '45 days' AS old,
    (h1 / 8) % 100 AS roll, (h2 / 14) % 40 AS days
  FROM g
)
INSERT INTO cases (case_no, channel, channel_ref, status, version, area_code, summary, declared_type,
                   dispute_type, people_involved, risk, path_step, attempt, org_code, config_version,
                   flow_run_open, created_at, updated_at, outcome, closed_at, due_on)
SELECT 'H' || lpad(i::text, 9, '0'), channel, 'H-' || i,
  CASE WHEN old THEN 'closed'
       ELSE (ARRAY['received','triaged','mediating','mediating','mediating','mediating','escalated',
                   'resolved','closed','closed'])[1 + roll % 10] END,
  5, community || '001', '', dispute_type, dispute_type, 1 + roll % 5,
  CASE WHEN roll % 97 = 0 THEN 'emergency' ELSE 'normal' END,
  0, 1,
  CASE WHEN NOT old AND (roll % 10) < 2 THEN NULL
       WHEN roll < 60 THEN
         (ARRAY['C-ZHAOYANG','C-JINSHA','C-BAISHA','C-JIANGBEI','C-XIANFENG','C-BINJIANG','C-LONGTAN','C-SHIMEN'])
         [1 + (h1 % 8)]
       WHEN roll < 86 THEN (ARRAY['S-XIJIAO','S-BAISHAWAN','S-NANXI','S-LUOLONG'])[1 + (h1 % 8) / 2]
       WHEN roll < 93 THEN (ARRAY['D-CUIPING','D-NANXI'])[1 + (h1 % 8) / 4]
       ELSE (ARRAY['P-LABOUR','P-MEDICAL','P-TRAFFIC'])[1 + roll % 3] END,
  1, false, created_at, created_at,
  CASE WHEN old THEN (CASE WHEN roll < 86 THEN 'resolved' WHEN roll < 96 THEN 'handed_off' ELSE 'withdrawn' END)
       WHEN (roll % 10) = 7 THEN 'resolved' WHEN (roll % 10) >= 8 THEN 'resolved' ELSE 'open' END,
  CASE WHEN old OR (roll % 10) >= 8 THEN created_at + (1 + days) * interval '1 day' END,
  CASE WHEN NOT old AND (roll % 10) BETWEEN 2 AND 5 THEN (created_at + interval '30 days')::date END
FROM c
"""


def generate(database: str, cases: int, *, fresh: bool) -> str:
    url = f"{SERVER}/{database}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database})
        if exists and fresh:
            conn.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        if not exists or fresh:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    os.environ["FENGQIAO_DATABASE_URL"] = url
    from fengqiao.db.migrate import upgrade
    from fengqiao.db.tallies import rebuild
    from fengqiao.services.intake import apply_configuration

    upgrade(url)
    apply_configuration()
    engine = create_engine(url)
    with engine.connect() as conn:
        have = conn.scalar(text("SELECT count(*) FROM cases"))
    if have >= cases:
        print(f"{database}: {have:,} cases already there")
        return url
    t = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM cases"))
        conn.execute(text(CASES_SQL), {"n": cases})
    print(f"{cases:,} cases written in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    with engine.begin() as conn:
        rows = rebuild(conn)
    print(f"statistics' counters rebuilt in {time.perf_counter() - t:.1f} s: {rows:,} rows")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database", default="fq_history")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args()
    generate(args.database, args.cases, fresh=args.fresh)


if __name__ == "__main__":
    main()
