"""Benchmark: N cases end to end through the real case flow on PostgreSQL, against a bare Prefect flow.

    .venv/bin/python benchmarks/pipeline.py --cases 40 --workers 4 --prefect postgres

Each case is one of the demo's scenarios, driven as the tests drive it: the case flow is called
directly (no worker, no poll delay), and at each wait the scripted input is stored and the flow
called again. The bare flow repeats, run for run, the same number of flow runs with the same
number of trivial tasks each, at the same concurrency, against the same Prefect server; the
ratio says what fengqiao's own work (database transactions, events, logs) costs on top of Prefect.

--prefect postgres  starts `prefect server start` on a fresh PostgreSQL database (asyncpg)
--prefect sqlite    starts Prefect's embedded server on SQLite (the default mode of fengqiao)
--no-heartbeat      switches off the flow-run heartbeat thread (a sync run waits ≤1 s for it on exit)
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CREATED: list[str] = []


def fresh_pg_database(prefix: str) -> str:
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with create_engine(f"{PG}/test", isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    CREATED.append(name)
    return name


def drop_created_databases() -> None:
    from sqlalchemy import create_engine, text

    from fengqiao.db.engine import get_engine

    get_engine.cache_clear()  # pooled connections would keep the databases in use
    with create_engine(f"{PG}/test", isolation_level="AUTOCOMMIT").connect() as conn:
        for name in CREATED:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def start_prefect(kind: str, home: Path) -> subprocess.Popen[bytes] | None:
    """Point this process at a Prefect server of the kind asked for; the process to stop later."""
    os.environ["PREFECT_HOME"] = str(home / "prefect")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    if kind == "sqlite":
        from fengqiao.config.prefect_env import prepare_prefect_environment
        from fengqiao.config.settings import Settings

        prepare_prefect_environment(Settings())
        return None
    port = free_port()
    env = dict(os.environ)
    db = fresh_pg_database("prefect_bench")
    env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=(home / "prefect-server.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    import httpx

    for _ in range(240):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the Prefect server did not start; see prefect-server.log")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4, help="cases driven at once (threads)")
    parser.add_argument("--prefect", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--no-heartbeat", action="store_true")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="fengqiao-bench-"))
    os.environ["FENGQIAO_HOME"] = str(home)
    os.environ["FENGQIAO_LOG_FILE"] = str(home / "fengqiao.jsonl")
    os.environ["FENGQIAO_DATABASE_URL"] = f"{PG}/{fresh_pg_database('fq_bench')}"
    server = start_prefect(args.prefect, home)
    try:
        run(args)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        drop_created_databases()


def run(args: argparse.Namespace) -> None:
    from prefect import flow, task
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from fengqiao.config.settings import get_settings
    from fengqiao.db import queries
    from fengqiao.db.migrate import upgrade
    from fengqiao.db.uow import UnitOfWork
    from fengqiao.flows.case import case_flow
    from fengqiao.flows.demo import _new_case
    from fengqiao.flows.demo_scenarios import SCENARIOS
    from fengqiao.flows.runtime import start_embedded_prefect
    from fengqiao.models.case import StepKind
    from fengqiao.services.human_input import record_input
    from fengqiao.services.intake import apply_configuration, register_case
    from fengqiao.services.runtime import engine
    from fengqiao.services.steps import current_step

    start_embedded_prefect()
    upgrade(get_settings().resolved_database_url)
    apply_configuration()
    run_ids: list[str] = []
    lock = threading.Lock()

    def in_settings(fn):  # type: ignore[no-untyped-def]
        def wrapped(*a):  # type: ignore[no-untyped-def]
            if args.no_heartbeat:
                with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                    return fn(*a)
            return fn(*a)

        return wrapped

    @in_settings
    def drive(n: int) -> int:
        scenario = SCENARIOS[n % len(SCENARIOS)]
        case, _ = register_case(_new_case(scenario, n))
        script = list(scenario.script)
        while True:
            state = case_flow(case.id, return_state=True)
            with lock:
                run_ids.append(str(state.state_details.flow_run_id))
            if not state.is_completed():
                raise RuntimeError(f"case {case.case_no}: flow run ended {state.name}")
            # ask our database, not the run's result: results are not persisted (no personal data in Prefect)
            if current_step(case.id)["kind"] == StepKind.DONE or not script:
                return case.id
            kind, value, actor = script.pop(0)
            record_input(case.case_no, kind, value, actor=actor)

    print(
        f"fengqiao benchmark: {args.cases} cases, {args.workers} at once, Prefect server on {args.prefect}, "
        f"heartbeat {'off' if args.no_heartbeat else 'on'}, database PostgreSQL",
        flush=True,
    )
    drive(10_000)  # warm-up: imports, first API calls, configuration cache (not counted)
    run_ids.clear()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as pool:
        case_ids = set(pool.map(drive, range(args.cases)))
    ours = time.perf_counter() - t0

    with UnitOfWork(engine()) as uow:
        measured = [c for c in queries.list_cases(uow.conn, limit=100_000) if c.id in case_ids]
        transitions = sum(len(queries.timeline(uow.conn, c.id)) for c in measured)
        still_open = [c.case_no for c in measured if c.status != "closed"]

    time.sleep(5)  # Prefect records task runs from events, a moment after they finish
    per_stage: dict[str, list[float]] = defaultdict(list)
    tasks_per_run: dict[str, int] = defaultdict(int)
    with get_client(sync_client=True) as client:
        for i in range(0, len(run_ids), 25):  # the server returns at most 200 task runs a request
            ids = [uuid.UUID(r) for r in run_ids[i : i + 25]]
            flt = FlowRunFilter(id=FlowRunFilterId(any_=ids))
            for tr in client.read_task_runs(flow_run_filter=flt, sort=TaskRunSort.ID_DESC, limit=200):
                tasks_per_run[str(tr.flow_run_id)] += 1
                if tr.start_time and tr.end_time:  # task run names are "<stage>-<case_id>"
                    per_stage[tr.name.rsplit("-", 1)[0]].append((tr.end_time - tr.start_time).total_seconds())

    @task
    def bare_task(i: int) -> int:
        return i

    @flow(persist_result=False)
    def bare_flow(n_tasks: int) -> int:
        return sum(bare_task(i) for i in range(n_tasks))

    shape = [tasks_per_run.get(r, 0) for r in run_ids]
    bare_flow(1)  # warm-up
    t1 = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(in_settings(bare_flow), shape))
    bare = time.perf_counter() - t1

    print(
        f"\nours: {len(measured)} cases, {len(run_ids)} flow runs, {sum(shape)} task runs, "
        f"{transitions} transitions in {ours:.1f} s"
    )
    print(
        f"  {len(measured) / ours:.2f} cases/s   {transitions / ours:.2f} transitions/s   "
        f"{len(run_ids) / ours:.2f} flow runs/s"
    )
    if still_open:
        print(f"  NOT CLOSED: {still_open}")
    print("  seconds per stage (Prefect task run start → end):")
    print(f"  {'stage':<24}{'n':>6}{'p50':>9}{'p95':>9}")
    for name, values in sorted(per_stage.items()):
        print(f"  {name:<24}{len(values):>6}{statistics.median(values):>9.3f}{pct(values, 0.95):>9.3f}")
    print(
        f"bare: {len(shape)} flow runs, {sum(shape)} trivial tasks in {bare:.1f} s "
        f"({len(shape) / bare:.2f} flow runs/s)"
    )
    print(f"ratio ours / bare: {ours / bare:.2f}")


if __name__ == "__main__":
    main()
