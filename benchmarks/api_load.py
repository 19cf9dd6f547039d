"""Benchmark: the HTTP API under load from a second process (wrk) on loopback, on PostgreSQL.

    .venv/bin/python benchmarks/api_load.py [--seconds 20] [--connections 8] [--only intake] [--profile FILE]
        [--api-workers N]

Starts a Prefect server (on its own PostgreSQL database) and `fengqiao serve --no-worker` on a
fresh fengqiao PostgreSQL database, makes an integrator and a coordinator key, then runs wrk
(Debian's `wrk`; `apt-get install wrk`) against:

- intake: POST /intake/hotline_12345, every request a new ticket (a new caller, with a phone of
  their own, and a new respondent, so no report is held as a duplicate), each committing its case
  and its intake transition (intake does not ask Prefect: a worker starts the runs, the intake
  outbox);
- one case: GET /cases/{id} over the cases intake made (masked, and an access-log row each);
- the list: GET /cases?limit=50.

No worker runs during the measurement, so the new cases wait in the outbox and the figures are
the API's own. Prints requests/s and wrk's latency percentiles (p50, p90, p99) for each, the CPU
milliseconds a request took in the API process (with --api-workers N, `serve --api-workers N`: the
processes it spawns too), in its PostgreSQL backends (from /proc: on a shared machine the one figure
that does not move with the others' load) and in wrk (its rusage), and the load average.
--profile FILE samples the API process with py-spy during the intake run (raw stacks to FILE) and
prints the functions most often on the stack while holding the GIL (the CPU one process has).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import resource
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
  local phone = string.format("13%d%08d", tid % 10, counter)
  local body = '{"ticket_id":"B' .. n .. '","dispatched_at":"2026-11-02T09:40:00+08:00",' ..
    '"call_time":"2026-11-02T09:12:31+08:00","caller":{"name":"来电人' .. n .. '","phone":"' .. phone .. '"},' ..
    '"respondent":{"name":"被反映单位' .. n .. '"},"category":"0101","address":"翠屏区西郊街道",' ..
    '"area_code":"511502001001","description":"邻里噪音纠纷","reply_due":"2026-11-07T18:00:00+08:00"}'
  return wrk.format("POST", "/api/v1/intake/hotline_12345", {["Authorization"] = "Bearer KEY",
    ["Content-Type"] = "application/json"}, body)
end
"""

TRIAL = {  # the ticket INTAKE_LUA sends, sent once before the run to check it is taken
    "ticket_id": "B",
    "dispatched_at": "2026-11-02T09:40:00+08:00",
    "call_time": "2026-11-02T09:12:31+08:00",
    "caller": {"name": "来电人", "phone": "13890123456"},
    "respondent": {"name": "被反映单位"},
    "category": "0101",
    "address": "翠屏区西郊街道",
    "area_code": "511502001001",
    "description": "邻里噪音纠纷",
    "reply_due": "2026-11-07T18:00:00+08:00",
}
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
        "p90": re.search(r"\s90%\s+(\S+)", out),
        "p99": re.search(r"\s99%\s+(\S+)", out),
        "non-2xx": re.search(r"Non-2xx or 3xx responses: (\d+)", out),
        "requests": re.search(r"(\d+) requests in", out),
    }
    return {k: (m.group(1) if m else "0") for k, m in found.items()}


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds the processes have used (/proc/<pid>/stat), gone ones counted 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The processes started by pid, and by them (from /proc/<pid>/stat's parent field)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        of = todo.pop()
        kids = [child for child, parent in parents.items() if parent == of]
        found += kids
        todo += kids
    return found


def backends(db: str) -> list[int]:
    """The PostgreSQL backends connected to the benchmark's fengqiao database."""
    from sqlalchemy import create_engine, text

    with create_engine(f"{PG}/test").connect() as conn:
        rows = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :db"), {"db": db})
        return [r.pid for r in rows]


def hottest(raw: Path, top: int = 25) -> list[tuple[str, float, float]]:
    """(function, share of samples on the stack, share at its top) of py-spy's raw stacks, fengqiao's
    own functions and the libraries' alike, most often on the stack first."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames, count = stack.split(";"), int(n)
        total += count
        own[frames[-1]] += count
        for frame in set(frames[1:]):  # the thread's name comes first
            inclusive[frame] += count
    return [(f, inclusive[f] / total, own[f] / total) for f, _ in inclusive.most_common(top)] if total else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", choices=["intake", "all"], default="all", help="intake: skip the two reads")
    parser.add_argument("--profile", type=Path, help="py-spy's raw stacks of the API process during intake")
    parser.add_argument("--api-workers", type=int, default=1, help="`fengqiao serve --api-workers N`")
    args = parser.parse_args()
    load_before = os.getloadavg()

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
        serve_log = (work / "serve.log").open("w")
        serving = ["--api-workers", str(args.api_workers)]
        procs.append(
            subprocess.Popen(
                [str(BIN / "fengqiao"), "serve", "--no-worker", "--port", str(api_port), *serving],
                env=env,
                stdout=serve_log,
                stderr=subprocess.STDOUT,
            )
        )
        base = f"http://127.0.0.1:{api_port}"
        try:
            wait_until(f"{base}/api/v1/health")
            time.sleep(10 if args.api_workers > 1 else 0)  # the first process answers; the others are still starting
        except SystemExit:
            print((work / "serve.log").read_text()[-3000:], file=sys.stderr)
            raise

        first = httpx.post(
            f"{base}/api/v1/intake/hotline_12345",
            headers={"Authorization": f"Bearer {integrator}"},
            json={**TRIAL, "ticket_id": f"B{tag}-trial"},
        )
        if first.status_code != 202:
            log = (work / "serve.log").read_text()[-3000:]
            raise SystemExit(f"intake answered {first.status_code}: {first.text}\n{log}")
        results = {}
        api_pid, spy = procs[-1].pid, None
        if args.profile:
            spied = ["-o", str(args.profile), "-p", str(api_pid), *(["--subprocesses"] if args.api_workers > 1 else [])]
            spy = subprocess.Popen(
                [
                    str(BIN / "py-spy"),
                    "record",
                    "--format",
                    "raw",
                    "--nolineno",
                    "--gil",
                    "-r",
                    "200",
                    "--nonblocking",
                    *spied,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
        pg = backends(db)
        api_pids = [api_pid, *descendants(api_pid)]  # with --api-workers, uvicorn's spawned processes
        cpu_api, cpu_pg = cpu_seconds(api_pids), cpu_seconds(pg)
        cpu_wrk = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is the one child ended meanwhile
        intake = wrk(
            base,
            INTAKE_LUA.replace("KEY", integrator).replace("RUNTAG", f'"{tag}-"'),
            args.seconds,
            args.connections,
            work,
        )
        pg_after = backends(db)
        cpu_pg = cpu_seconds(pg_after) - cpu_pg  # a backend opened during the run counts from its start
        done = max(1, int(intake["requests"]))
        intake["API CPU ms/request"] = f"{1000 * (cpu_seconds(api_pids) - cpu_api) / done:.1f}"
        wrk_used = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk_cpu = wrk_used.ru_utime + wrk_used.ru_stime - cpu_wrk.ru_utime - cpu_wrk.ru_stime
        intake["wrk CPU ms/request"] = f"{1000 * wrk_cpu / done:.1f}"
        intake["PostgreSQL CPU ms/request"] = f"{1000 * cpu_pg / done:.1f} (backends open before and after)"
        results["intake (POST, new case)"] = intake
        if spy:
            spy.send_signal(2)  # SIGINT: py-spy writes its file and ends
            spy.wait(timeout=60)
        if args.only == "all":
            reads(base, coordinator, args, work, results)
        load = {"before": load_before, "after": os.getloadavg(), "cores": os.cpu_count()}
        print(
            json.dumps(
                {"connections": args.connections, "seconds": args.seconds, "load": load, "results": results}, indent=1
            )
        )
        print("\n| operation | requests/s | p50 | p90 | p99 | requests | non-2xx |\n|---|---|---|---|---|---|---|")
        for name, r in results.items():
            cells = [r["requests/s"], r["p50"], r["p90"], r["p99"], r["requests"], r["non-2xx"]]
            print(f"| {name} | {' | '.join(cells)} |")
        print(f"load average 1/5/15 min: before {load_before}, after {os.getloadavg()} ({os.cpu_count()} cores)")
        if args.profile and args.profile.exists():
            print("\nAPI process during intake (py-spy, threads holding the GIL): on the stack / at its top")
            for frame, on, top in hottest(args.profile):
                print(f"{on:6.1%} {top:6.1%}  {frame[:150]}")
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


def reads(
    base: str, coordinator: str, args: argparse.Namespace, work: Path, results: dict[str, dict[str, str]]
) -> None:
    """The two reads over the cases intake made: one case, and the list."""
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


if __name__ == "__main__":
    main()
