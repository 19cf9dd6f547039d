"""The floor Prefect itself sets under a case: CPU a flow run of a case's minimal shape costs.

    .venv/bin/python benchmarks/prefect_floor.py --runs 24 --concurrency 4 --tasks 0,3,6

A case needs, with Prefect as the engine: a flow run created from a deployment, executed in an
already-running process (Prefect's engine, `run_flow`, in a thread, as fengqiao's worker does),
suspended once (`suspend_flow_run`, a wait that holds nothing), resumed, executed again and
completed. This runs exactly that and nothing of fengqiao's, against a real `prefect server start`
on a fresh PostgreSQL database (as benchmarks/pipeline.py starts it), with k trivial task runs a
run (half before the suspension, half after) for each k of --tasks. Each execution is submitted as
fengqiao's worker (Prefect's BaseWorker) submits it: Submitting, then Pending, the worker's
`submitted-flow-run` event, the engine, its `executed-flow-run` event (--engine-only: Pending and
the engine only). No worker polls and no heartbeat runs: those cost per second, not per run.

Printed per run: CPU seconds of the Prefect server (process and children), of the PostgreSQL
backends serving its database, and of this process (the client: creating, submitting, running and
resuming); the server's and PostgreSQL's also above their idle rate (measured here first, for
--idle seconds, times the phase's wall, which includes --settle seconds after the last run so
that batched events are written); the rows stored a run. Every process and database made here
is removed at the end. --server 'NAME=VALUE …' (repeatable) measures servers with other settings
in turn, each in a child process with its own server and database.

Measured 2026-12-03 on the shared 2-core machine (load 2–7 from other work; Prefect 3.8.8; CPU-s a
run; `--runs 24 --concurrency 4`, one suspension unless said):

    task runs executions server     PostgreSQL client     total      runs/s
    0         1          0.22       0.02       0.16       0.39       1.64    --suspends 0: no wait at all
    0         2          0.27–0.32  0.03       0.24–0.27  0.54–0.61  1.0–1.2
    3         2          0.39–0.44  0.04       0.26–0.30  0.68–0.78  1.1
    6         2          0.49–0.59  0.07–0.08  0.27–0.31  0.84–0.98  0.7–0.9
    0         3          0.54       0.05       0.41       0.99       0.56    --suspends 2
    6         3          0.84       0.12       0.47       1.42       0.53    --suspends 2: a case's shape
    0         2          0.31       0.03       0.28       0.61       1.20    --engine-only
    6         2          0.52       0.07       0.31       0.90       1.07    --engine-only
    0         2          0.40       0.07       0.30       0.76       1.18    16 in flight, 64 runs
    6         2          0.57       0.11       0.33       1.01       1.26    16 in flight, 64 runs

(--engine-only: no Submitting state and no worker events; 16 in flight: no more runs a second than 4.)

So a flow run alone, with no task run, costs ≈ 0.55 CPU-s over its two executions (an execution
≈ 0.2 server CPU-s, a task run ≈ 0.045), before anything of fengqiao's. Server settings do not
move it: with pause expirations off, the event persister's batch 200 and the other loops at 60 s
(scheduler 300 s, late runs and proactive triggers 30 s), defaults/tuned/defaults/tuned in one
invocation gave server 0.49 / 0.57 / 0.52 / 0.55 CPU-s a run (6 task runs) and the idle server
0.020–0.022 / 0.017–0.019 CPU-s a second. py-spy of the server (--py-spy): the task-run recorder
≈ 17 %, the ASGI middleware ≈ 13 %, set_flow_run_state ≈ 8 %, the event persister ≈ 3 %.
The same settings but the late-runs and proactive-trigger intervals, on benchmarks/pipeline.py's
server (defaults/tuned alternating, 8 cases, 4 in flight): server 1.28 / 1.42 / 1.38 / 1.38 CPU-s
a case (load 4–8). Even one execution with no wait and no task run costs 0.39 CPU-s in all.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pipeline import BIN, PG_HOST, Made, PgSampler, free_port, tree_cpu, wait_until  # noqa: E402

TABLES = ("events", "event_resources", "flow_run_state", "task_run", "task_run_state")


def started(sampler: PgSampler) -> PgSampler:
    sampler.start()
    return sampler


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rows(prefect_db: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(f"postgresql://{PG_HOST}/{prefect_db}", autocommit=True) as conn:
        return {t: int(conn.execute(f"select count(*) from {t}").fetchone()[0]) for t in TABLES}  # type: ignore[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=24, help="flow runs a variant")
    parser.add_argument("--concurrency", type=int, default=4, help="runs in flight at a time (threads)")
    parser.add_argument("--tasks", default="0,3,6", help="the variants: task runs a flow run")
    parser.add_argument("--suspends", type=int, default=1, help="suspensions a run (executions: one more)")
    parser.add_argument("--engine-only", action="store_true", help="no Submitting state and no worker events")
    parser.add_argument("--idle", type=float, default=20, help="seconds the idle server is measured first")
    parser.add_argument("--settle", type=float, default=8, help="seconds after a variant's last run, in its window")
    parser.add_argument("--warmup", type=int, default=4, help="runs before each variant, not measured")
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="'NAME=VALUE …'",
        help="settings of a server to measure (repeatable: each its own server and database, in turn; "
        "none: one server with Prefect's defaults)",
    )
    parser.add_argument("--py-spy", metavar="DIR", help="record the server with py-spy (collapsed stacks) per variant")
    parser.add_argument("--one", type=int, default=-1, help=argparse.SUPPRESS)  # the child measuring --server[i]
    args = parser.parse_args()
    if args.one < 0 and len(args.server) > 1:  # each server in a process of its own: Prefect's settings are global
        children = [
            subprocess.run([sys.executable, *sys.argv, "--one", str(i)], capture_output=True, text=True)
            for i in range(len(args.server))
        ]
        for child in children:
            sys.stderr.write(child.stderr[-3000:] if child.returncode else "")
        print("\n\n".join(child.stdout.split("\n\n", 1)[-1].strip() for child in children))
        return
    i = max(args.one, 0)
    made = Made(Path(tempfile.mkdtemp(prefix="prefect-floor-")))
    try:
        settings = dict(kv.split("=", 1) for kv in (args.server[i] if args.server else "").split())
        table = run(args, made, settings, i)
    finally:
        made.close()
    print(f"\n\n{table}")


def run(args: argparse.Namespace, made: Made, settings: dict[str, str], index: int) -> str:
    prefect_db, port = made.database("prefect_floor"), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(made.home / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    server_env = env | {"PREFECT_SERVER_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{PG_HOST}/{prefect_db}"}
    server_env |= settings
    argv = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    server = made.start("prefect-server", argv, server_env)
    os.environ.update(env)
    import httpx

    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    print(f"load average at the start {' '.join(f'{x:.2f}' for x in os.getloadavg())}; server settings {settings}")
    wait_until("the Prefect server", healthy, server)
    from benchmarks.floor_flow import floor_flow  # Prefect reads its settings at import: after the env is set

    deployment_id = floor_flow.to_deployment(name="floor").apply()
    time.sleep(5)  # the server's services start their loops
    cpu0, sampler, t0 = tree_cpu(server.pid), started(PgSampler([prefect_db])), time.monotonic()
    time.sleep(args.idle)
    idle_wall = time.monotonic() - t0
    idle_server, idle_pg = (tree_cpu(server.pid) - cpu0) / idle_wall, sampler.totals()[0] / idle_wall
    print(f"idle: server {idle_server:.4f} CPU-s/s, PostgreSQL {idle_pg:.4f} CPU-s/s")

    head = f"{'task runs':>9}{'runs':>6}{'wall s':>8}{'runs/s':>8}{'server':>9}{'PG':>8}{'client':>8}{'total':>8}"
    head += f"{'server>idle':>12}{'PG>idle':>9}{'total>idle':>11}  rows a run"
    lines = []
    for k in [int(x) for x in args.tasks.split(",")]:
        one = ThreadPoolExecutor(args.concurrency)
        runs = partial(one_run, floor_flow, deployment_id, k, args.suspends, args.engine_only)
        list(one.map(runs, range(args.warmup)))
        time.sleep(args.settle)
        before = rows(prefect_db)
        spy = py_spy(args.py_spy, server.pid, f"server-{index}-{k}")
        cpu0, client0, sampler, t0 = (
            tree_cpu(server.pid),
            self_cpu(),
            started(PgSampler([prefect_db])),
            time.monotonic(),
        )
        ended = list(one.map(runs, range(args.runs)))
        busy = time.monotonic() - t0
        time.sleep(args.settle)
        wall = time.monotonic() - t0
        srv, client, pg = tree_cpu(server.pid) - cpu0, self_cpu() - client0, sampler.totals()[0]
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait()
        stored = {t: (n - before[t]) / args.runs for t, n in rows(prefect_db).items()}
        n = args.runs
        s, p, c = srv / n, pg / n, client / n
        s_up, p_up = (srv - idle_server * wall) / n, (pg - idle_pg * wall) / n
        bad = [e for e in ended if e != "Completed"]
        lines.append(
            f"{k:>9}{n:>6}{busy:>8.1f}{n / busy:>8.2f}{s:>9.3f}{p:>8.3f}{c:>8.3f}{s + p + c:>8.3f}"
            f"{s_up:>12.3f}{p_up:>9.3f}{s_up + p_up + c:>11.3f}  "
            + ", ".join(f"{t} {v:.1f}" for t, v in stored.items())
            + (f"  NOT COMPLETED: {bad}" if bad else "")
        )
        print(lines[-1], flush=True)
    shape = "engine only (Pending, run_flow)" if args.engine_only else "as BaseWorker submits (Submitting, Pending)"
    return "\n".join(
        [
            f"server settings: {' '.join(f'{k}={v}' for k, v in settings.items()) or 'Prefect defaults'}",
            f"idle server {idle_server:.4f} CPU-s/s, its PostgreSQL {idle_pg:.4f} CPU-s/s",
            f"CPU-s a flow run: created from a deployment, {args.suspends + 1} executions {shape}"
            f" (suspended and resumed {args.suspends}x);"
            f" {args.concurrency} in flight; wall without the {args.settle:.0f} s settle;"
            f" load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end",
            head,
            *lines,
        ]
    )


def py_spy(folder: str | None, pid: int, name: str) -> subprocess.Popen[bytes] | None:
    if folder is None:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    argv = [str(BIN / "py-spy"), "record", "--nonblocking", "--subprocesses", "-r", "50", "-f", "raw"]
    return subprocess.Popen([*argv, "-p", str(pid), "-o", str(Path(folder) / f"{name}.txt")], stderr=subprocess.DEVNULL)


def one_run(flow: Any, deployment_id: UUID, k: int, suspends: int, engine_only: bool, _: int = 0) -> str:
    """Create; execute, suspend, resume `suspends` times; execute to completion: a case's minimal life."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import Pause
    from prefect.flow_engine import run_flow
    from prefect.flow_runs import resume_flow_run

    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deployment_id, parameters={"tasks": k, "suspends": suspends})
        for execution in range(suspends + 1):
            flow_run = client.read_flow_run(run.id)
            submit(client, flow_run, engine_only)
            try:
                state = run_flow(flow, flow_run=flow_run, return_type="state")
            except Pause:
                state = None
            executed(flow_run, engine_only)
            if execution < suspends:
                resume_flow_run(run.id)
        return str(getattr(state, "name", "Suspended"))


def submit(client: Any, flow_run: Any, engine_only: bool) -> None:
    from prefect.events import emit_event
    from prefect.states import Pending, Submitting

    if not engine_only:
        client.set_flow_run_state(flow_run.id, Submitting())
    client.set_flow_run_state(flow_run.id, Pending())
    if not engine_only:
        emit_event("prefect.worker.submitted-flow-run", resource=worker_resource(), related=[run_resource(flow_run)])


def executed(flow_run: Any, engine_only: bool) -> None:
    from prefect.events import emit_event

    if not engine_only:
        emit_event("prefect.worker.executed-flow-run", resource=worker_resource(), related=[run_resource(flow_run)])


def worker_resource() -> dict[str, str]:
    return {"prefect.resource.id": "prefect.worker.floor.floor-worker", "prefect.resource.name": "floor-worker"}


def run_resource(flow_run: Any) -> dict[str, str]:
    return {
        "prefect.resource.id": f"prefect.flow-run.{flow_run.id}",
        "prefect.resource.role": "flow-run",
        "prefect.resource.name": flow_run.name,
    }


if __name__ == "__main__":
    main()
