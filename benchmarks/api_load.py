"""Benchmark: the HTTP API under load from a second process (wrk) on loopback, on PostgreSQL.

    .venv/bin/python benchmarks/api_load.py [--seconds 20] [--connections 8] [--cases 2000]

Starts a Prefect server (on its own PostgreSQL database) and `fengqiao serve --no-worker` on a
fresh fengqiao PostgreSQL database, makes an integrator and a coordinator key, then runs wrk
(Debian's `wrk`; `apt-get install wrk`) against:

- intake: POST /intake/hotline_12345, every request a new ticket (new caller and respondent, so
  no report is held as a duplicate), each committing its case and its intake transition (intake
  does not ask Prefect: a worker starts the runs, the intake outbox);
- one case: GET /cases/{id} over the cases intake made (masked, and an access-log row each);
- the list: GET /cases?limit=50.

No worker runs during the measurement, so the new cases wait in the outbox and the figures are
the API's own. Prints requests/s and wrk's latency percentiles (p50, p99) for each.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"

INTAKE_LUA = """
local threads, next_id = {}, 0
setup = function(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end
counter = 0
request = function()
  counter = counter + 1
  local n = RUNTAG .. tid .. "-" .. counter
  local body = '{"ticket_id":"B' .. n .. '","dispatched_at":"2026-11-02T09:40:00+08:00",' ..
    '"call_time":"2026-11-02T09:12:31+08:00","caller":{"name":"来电人' .. n .. '","phone":"13890123456"},' ..
    '"respondent":{"name":"被反映单位' .. n .. '"},"category":"0101","address":"翠屏区西郊街道",' ..
    '"area_code":"511502001001","description":"邻里噪音纠纷","reply_due":"2026-11-07T18:00:00+08:00"}'
  return wrk.format("POST", "/api/v1/intake/hotline_12345", {["Authorization"] = "Bearer KEY",
    ["Content-Type"] = "application/json"}, body)
end
"""

READ_LUA = """
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/cases/" .. math.random(1, MAXID), {["Authorization"] = "Bearer KEY"})
end
"""


def admin_sql(statement: str) -> None:
    from sqlalchemy import create_engine, text

    with create_engine(f"{PG}/test", isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(statement))


def wait_until(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {url}")


def wrk(url: str, script: str, seconds: int, connections: int, workdir: Path) -> dict[str, str]:
    path = workdir / f"{abs(hash(script))}.lua"
    path.write_text(script, encoding="utf-8")
    out = subprocess.run(
        ["wrk", "--latency", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "-s", str(path), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {
        "requests/s": re.search(r"Requests/sec:\s+([\d.]+)", out),
        "p50": re.search(r"\s50%\s+(\S+)", out),
        "p99": re.search(r"\s99%\s+(\S+)", out),
        "non-2xx": re.search(r"Non-2xx or 3xx responses: (\d+)", out),
        "requests": re.search(r"(\d+) requests in", out),
    }
    return {k: (m.group(1) if m else "0") for k, m in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    tag = uuid.uuid4().hex[:8]
    db, prefect_db = f"fq_bench_{tag}", f"prefect_bench_{tag}"
    admin_sql(f'CREATE DATABASE "{db}"')
    admin_sql(f'CREATE DATABASE "{prefect_db}"')
    work = Path(tempfile.mkdtemp(prefix="fengqiao-api-bench-"))
    prefect_port, api_port = 4291, 8791
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FENGQIAO_"))}
    env.update(
        FENGQIAO_HOME=str(work / "home"),
        FENGQIAO_DATABASE_URL=f"{PG}/{db}",
        FENGQIAO_API_RATE_PER_MINUTE="10000000",
        PREFECT_HOME=str(work / "prefect"),
        PREFECT_API_URL=f"http://127.0.0.1:{prefect_port}/api",
        PREFECT_SERVER_DATABASE_CONNECTION_URL=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{prefect_db}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    procs = []
    try:
        procs.append(
            subprocess.Popen(
                [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_until(f"http://127.0.0.1:{prefect_port}/api/health")

        def cli(*a: str) -> str:
            return subprocess.run(
                [str(BIN / "fengqiao"), *a], env=env, capture_output=True, text=True, check=True
            ).stdout

        cli("config", "apply", str(ROOT / "config" / "sample_network.yaml"))
        integrator = cli("keys", "create", "bench-platform", "--role", "integrator", "--area", "5115").split()[-1]
        coordinator = cli("keys", "create", "bench-centre", "--role", "coordinator", "--area", "5115").split()[-1]
        procs.append(
            subprocess.Popen(
                [str(BIN / "fengqiao"), "serve", "--no-worker", "--port", str(api_port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        base = f"http://127.0.0.1:{api_port}"
        wait_until(f"{base}/api/v1/health")

        results = {}
        results["intake (POST, new case)"] = wrk(
            base,
            INTAKE_LUA.replace("KEY", integrator).replace("RUNTAG", f'"{tag}-"'),
            args.seconds,
            args.connections,
            work,
        )
        cases = httpx.get(f"{base}/api/v1/cases?limit=1", headers={"Authorization": f"Bearer {coordinator}"}).json()
        total = cases["total"]
        results[f"one case (GET, masked, logged; {total} cases)"] = wrk(
            base,
            READ_LUA.replace("KEY", coordinator).replace("MAXID", str(total)),
            args.seconds,
            args.connections,
            work,
        )
        list_lua = 'wrk.method = "GET"\nwrk.headers["Authorization"] = "Bearer KEY"\n'.replace("KEY", coordinator)
        results["case list (GET ?limit=50)"] = wrk(
            f"{base}/api/v1/cases?limit=50", list_lua, args.seconds, args.connections, work
        )
        print(json.dumps({"connections": args.connections, "seconds": args.seconds, "results": results}, indent=1))
        print("\n| operation | requests/s | p50 | p99 | requests | non-2xx |\n|---|---|---|---|---|---|")
        for name, r in results.items():
            print(f"| {name} | {r['requests/s']} | {r['p50']} | {r['p99']} | {r['requests']} | {r['non-2xx']} |")
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        time.sleep(1)
        admin_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin_sql(f'DROP DATABASE IF EXISTS "{prefect_db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
