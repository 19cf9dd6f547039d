"""Benchmark: N cases through real processes: `fengqiao worker`s on a Prefect server on PostgreSQL,
against bare Prefect's `serve()` with the same flow shape.

    .venv/bin/python benchmarks/pipeline.py --cases 32 --concurrency 8 --workers 1,2

What runs (every process and database is made here and removed at the end, Ctrl-C included):
  - a fresh PostgreSQL database for Prefect and one for fengqiao; `prefect server start` on the first;
  - `fengqiao deploy` (the work pool and the deployments), then per phase 1 (then 2) `fengqiao worker`
    processes, the worker settings as the environment gives them (FENGQIAO_RUNNER_POLL_SECONDS, …);
  - this process drives: it registers the cases (services.intake.register_case), starts them
    (runs.launch.start_case_flow), and the moment a case's run is Suspended (Prefect's event) and the
    database says it waits, stores the scripted answer (cli.demo_papers.answer: an agreement after the
    papers the network's completeness gate asks, as the demo files them) and wakes it
    (runs.launch.try_wake), as a person's request does. --concurrency cases are in flight at a time;
  - bare: benchmarks/bare_flow.py served by `serve()` (a process per execution), each case the same
    number of executions (suspends + 1) and task runs as the same case had through fengqiao; the driver
    resumes each run when it is Suspended.

Measured after a warm-up of two cases per worker (not counted): cases/s, transitions/s, answer stored →
the case's next transition written (bare: resume → the run Running again), and CPU seconds a case of the
worker processes (with their children), of the Prefect server process (with its children) and of the
PostgreSQL backends serving the two databases (/proc/<pid>/stat, sampled). The driver's own CPU and its
own PostgreSQL backends (application_name fengqiao-bench-driver) are not counted; its Prefect requests
(creating, reading and resuming runs, as the API does in production) are, in the server's column.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PG_HOST = "postgres@127.0.0.1:5432"
DRIVER_APP = "fengqiao-bench-driver"
TICK = os.sysconf("SC_CLK_TCK")
FINAL_EVENTS = ["Completed", "Failed", "Crashed", "Cancelled"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- what this run made, removed at the end ------------------------------------------------------
class Made:
    """The processes (each in a session of its own, so its children go with it) and the databases."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.procs: list[subprocess.Popen[bytes]] = []
        self.databases: list[str] = []

    def database(self, prefix: str) -> str:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"postgresql://{PG_HOST}/test", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        self.databases.append(name)
        return name

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.home / f"{name}.log").open("wb")
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 30) -> None:
        """SIGTERM to the process's group; SIGKILL what is left after `grace` seconds."""
        if proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired, ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # children left behind in the group
        proc.wait()
        if proc in self.procs:
            self.procs.remove(proc)

    def close(self) -> None:
        for proc in list(reversed(self.procs)):
            self.stop(proc, grace=15)
        if self.databases:
            import psycopg

            with psycopg.connect(f"postgresql://{PG_HOST}/test", autocommit=True) as conn:
                for name in self.databases:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
            self.databases.clear()


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# --- CPU -----------------------------------------------------------------------------------------
def proc_cpu(pid: int, *, children: bool = True) -> float:
    """utime + stime (and the reaped children's) of one process, in seconds; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ut, st, cut, cst = (int(x) for x in fields[11:15])
    return (ut + st + ((cut + cst) if children else 0)) / TICK


def tree_cpu(pid: int) -> float:
    """A process with its reaped children and its live descendants."""
    parents: dict[int, list[int]] = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(p))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += proc_cpu(current)
        todo.extend(parents.get(current, []))
    return total


class PgSampler(threading.Thread):
    """CPU of the PostgreSQL backends serving `databases` (pg_stat_activity gives their pids), sampled:
    a backend first seen during the window counts from zero. The driver's own backends apart."""

    def __init__(self, databases: list[str]) -> None:
        super().__init__(daemon=True, name="pg-sampler")
        import psycopg

        self.conn = psycopg.connect(f"postgresql://{PG_HOST}/test?application_name={DRIVER_APP}", autocommit=True)
        self.databases = databases
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.driver: set[int] = set()
        self.halt = threading.Event()
        self.sample(initial=True)

    def sample(self, *, initial: bool = False) -> None:
        rows = self.conn.execute(
            "select pid, application_name from pg_stat_activity where datname = any(%s)", (self.databases,)
        ).fetchall()
        for pid, app in rows:
            cpu = proc_cpu(pid, children=False)
            self.first.setdefault(pid, cpu if initial else 0.0)
            self.last[pid] = max(cpu, self.last.get(pid, 0.0))
            if app == DRIVER_APP:
                self.driver.add(pid)

    def run(self) -> None:
        while not self.halt.wait(0.25):
            self.sample()

    def totals(self) -> tuple[float, float]:
        """(seconds of the measured backends, seconds of the driver's own)."""
        self.halt.set()
        self.join()
        self.sample()
        self.conn.close()
        used = {pid: self.last[pid] - self.first[pid] for pid in self.last}
        return (
            sum(v for p, v in used.items() if p not in self.driver),
            sum(v for p, v in used.items() if p in self.driver),
        )


# --- one phase -----------------------------------------------------------------------------------
@dataclass
class Job:
    index: int
    script: list[tuple[Any, str, str]]
    rounds: list[int] = field(default_factory=list)  # bare: task runs per execution
    key: str = ""  # what Prefect's events name the run by: case-<case_no>, or the bare run's id
    case_id: int = 0
    case_no: str = ""
    seen_wait: Any = None  # the wait the safety poll saw last (an answer is given when seen twice)
    resumed_at: list[float] = field(default_factory=list)
    done_at: float | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class Result:
    label: str
    jobs: list[Job]
    wall: float
    cpu: dict[str, float]
    pg_driver: float
    transitions: int | None = None
    latencies: list[float] = field(default_factory=list)
    latency_label: str = ""
    not_closed: list[str] = field(default_factory=list)
    shape: str = ""


async def drive(
    jobs: list[Job],
    concurrency: int,
    start: Callable[[Job], Awaitable[None]],
    check: Callable[[Job, str], Awaitable[bool]],
    timeout: float,
) -> None:
    """Keep `concurrency` jobs in flight; `check(job, why)` after each of the run's state events
    (why: the state's name) and every 2 s ("poll") until it says the job is done."""
    from prefect.events.clients import get_events_subscriber
    from prefect.events.filters import EventFilter, EventNameFilter

    queue, inflight = list(jobs), {}
    all_done = asyncio.Event()
    pending: set[asyncio.Future[None]] = set()

    def spawn(job: Job, why: str) -> None:
        future = asyncio.ensure_future(settle(job, why))
        pending.add(future)
        future.add_done_callback(pending.discard)

    names = [f"prefect.flow-run.{n}" for n in ["Suspended", *FINAL_EVENTS]]

    async def launch() -> None:
        while queue and len(inflight) < concurrency:
            job = queue.pop(0)
            inflight[f"pending-{job.index}"] = job
            await start(job)
            del inflight[f"pending-{job.index}"]
            inflight[job.key] = job
            spawn(job, "poll")  # an event may have come before we knew the key
        if not queue and not inflight:
            all_done.set()

    async def settle(job: Job, why: str) -> None:
        async with job.lock:
            if job.done_at is not None:
                return
            try:
                finished = await check(job, why)
            except Exception as exc:  # noqa: BLE001 - one case's trouble is reported, the rest go on
                print(f"  ! {job.key}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                return
            if finished:
                job.done_at = time.monotonic()
                inflight.pop(job.key, None)
                await launch()

    async def consume(sub: Any) -> None:
        async for event in sub:
            resource = event.resource
            for key in (resource.get("prefect.resource.name"), resource.id.removeprefix("prefect.flow-run.")):
                if key in inflight:
                    spawn(inflight[key], event.event.rsplit(".", 1)[1])
                    break

    async def poll() -> None:
        while True:
            await asyncio.sleep(2)
            for job in [j for k, j in inflight.items() if not k.startswith("pending-")]:
                spawn(job, "poll")

    async with get_events_subscriber(filter=EventFilter(event=EventNameFilter(name=names))) as sub:
        helpers = [asyncio.ensure_future(consume(sub)), asyncio.ensure_future(poll())]
        await launch()
        try:
            await asyncio.wait_for(all_done.wait(), timeout)
        except TimeoutError:
            print(f"  ! timed out after {timeout:.0f} s with {len(inflight) + len(queue)} cases open", flush=True)
        finally:
            for h in helpers:
                h.cancel()


def fengqiao_callbacks() -> tuple[Callable[[Job], Awaitable[None]], Callable[[Job, str], Awaitable[bool]]]:
    from fengqiao.cli.demo import _new_case
    from fengqiao.cli.demo_papers import answer
    from fengqiao.cli.demo_scenarios import SCENARIOS
    from fengqiao.models.case import StepKind
    from fengqiao.runs.launch import start_case_flow, try_wake
    from fengqiao.services.intake import register_case
    from fengqiao.services.steps import current_step

    wakes: set[asyncio.Future[str]] = set()

    async def start(job: Job) -> None:
        scenario = SCENARIOS[job.index % len(SCENARIOS)]
        case, _ = await asyncio.to_thread(register_case, _new_case(scenario, job.index))
        job.case_id, job.case_no, job.key = case.id, case.case_no, f"case-{case.case_no}"
        await asyncio.to_thread(start_case_flow, case)

    async def check(job: Job, why: str) -> bool:
        step = await asyncio.to_thread(current_step, job.case_id)
        if step["kind"] == StepKind.DONE:
            return True
        if step["kind"] != StepKind.WAIT or not job.script:
            job.seen_wait = None
            return False
        wait = (step["wait"]["kind"], step["wait"]["round"])
        if why != "Suspended" and job.seen_wait != wait:
            job.seen_wait = wait  # the run may be on its way to suspending: its event comes first
            return False
        kind, value, actor = job.script.pop(0)
        await asyncio.to_thread(answer, job.case_no, kind, value, actor=actor)
        wake = asyncio.ensure_future(asyncio.to_thread(try_wake, job.case_id))
        wakes.add(wake)
        wake.add_done_callback(wakes.discard)
        return False

    return start, check


def bare_callbacks(client: Any) -> tuple[Callable[[Job], Awaitable[None]], Callable[[Job, str], Awaitable[bool]]]:
    from benchmarks.bare_flow import DEPLOYMENT

    deployment_id: list[Any] = []

    async def start(job: Job) -> None:
        if not deployment_id:
            deployment_id.append((await client.read_deployment_by_name(DEPLOYMENT)).id)
        run = await client.create_flow_run_from_deployment(deployment_id[0], parameters={"rounds": job.rounds})
        job.key = str(run.id)

    async def check(job: Job, why: str) -> bool:
        if why == "poll":  # a missed event: ask (every 2 s, one run at a time)
            state = (await client.read_flow_run(uuid.UUID(job.key))).state
            why = "Suspended" if state.is_paused() else state.name if state.is_final() else ""
        if why == "Suspended":
            job.resumed_at.append(time.time())
            try:
                await client.resume_flow_run(uuid.UUID(job.key))
            except Exception:  # noqa: BLE001 - resumed already (an event and the poll raced)
                job.resumed_at.pop()
            return False
        return why in FINAL_EVENTS

    return start, check


async def measured(
    label: str,
    jobs: list[Job],
    warmup: list[Job],
    args: argparse.Namespace,
    procs: dict[str, list[int]],
    databases: list[str],
    callbacks: tuple[Callable[[Job], Awaitable[None]], Callable[[Job, str], Awaitable[bool]]],
) -> Result:
    print(f"{label}: warm-up ({len(warmup)} cases)…", flush=True)
    await drive(warmup, args.concurrency, *callbacks, timeout=args.timeout)
    print(f"{label}: {len(jobs)} cases, {args.concurrency} in flight…", flush=True)
    cpu0 = {name: sum(tree_cpu(p) for p in pids) for name, pids in procs.items()}
    sampler = PgSampler(databases)
    sampler.start()
    t0 = time.monotonic()
    await drive(jobs, args.concurrency, *callbacks, timeout=args.timeout)
    wall = time.monotonic() - t0
    cpu = {name: sum(tree_cpu(p) for p in pids) - cpu0[name] for name, pids in procs.items()}
    cpu["postgres"], pg_driver = sampler.totals()
    print(f"{label}: {wall:.1f} s", flush=True)
    return Result(label, jobs, wall, cpu, pg_driver)


# --- after a phase: what the databases say -------------------------------------------------------
def case_figures(result: Result) -> None:
    """Transitions, answer stored → next transition written, cases not closed."""
    from sqlalchemy import bindparam, text

    from fengqiao.services.runtime import engine

    ids = [j.case_id for j in result.jobs if j.case_id]
    with engine().connect() as conn:
        result.transitions = conn.execute(
            text("select count(*) from transitions where case_id in :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        ).scalar_one()
        rows = conn.execute(
            text(
                "select h.received_at, (select min(t.at) from transitions t"
                " where t.case_id = h.case_id and t.at >= h.received_at)"
                " from human_inputs h where h.case_id in :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        ).all()
        result.not_closed = [
            r[0]
            for r in conn.execute(
                text("select case_no from cases where id in :ids and status <> 'closed'").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": ids},
            )
        ]
    result.latencies = [(nxt - stored).total_seconds() for stored, nxt in rows if nxt is not None]
    result.latency_label = "answer stored → next transition"


async def case_shapes(jobs: list[Job]) -> dict[int, list[int]]:
    """Per case (by index): the task runs of each execution its flow runs had (spread evenly)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterName
    from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort

    await asyncio.sleep(5)  # Prefect records task runs from events, a moment after they finish
    shapes: dict[int, list[int]] = {}
    async with get_client() as client:
        for job in jobs:
            named = FlowRunFilter(name=FlowRunFilterName(any_=[job.key]))
            runs = await client.read_flow_runs(flow_run_filter=named, sort=FlowRunSort.ID_DESC, limit=200)
            executions = sum(len(r.empirical_policy.pause_keys or ()) + 1 for r in runs)
            tasks, offset = 0, 0
            while True:
                page = await client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[r.id for r in runs])),
                    sort=TaskRunSort.ID_DESC,
                    limit=200,
                    offset=offset,
                )
                tasks, offset = tasks + len(page), offset + len(page)
                if len(page) < 200:
                    break
            each, extra = divmod(tasks, max(1, executions))
            shapes[job.index] = [each + (1 if i < extra else 0) for i in range(max(1, executions))]
    return shapes


async def bare_latencies(result: Result, client: Any) -> None:
    """Resume (the driver's call) → the run's next Running state."""
    from prefect.client.schemas.objects import StateType

    for job in result.jobs:
        states = await client.read_flow_run_states(uuid.UUID(job.key))
        running = sorted(s.timestamp.timestamp() for s in states if s.type == StateType.RUNNING)
        for t in job.resumed_at:
            later = [r for r in running if r >= t]
            if later:
                result.latencies.append(later[0] - t)
    result.latency_label = "resume → Running"


# --- the run -------------------------------------------------------------------------------------
def wait_until(what: str, ready: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited ({proc.returncode}); see its log")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} not ready after {timeout:.0f} s; see its log")
        time.sleep(0.5)


async def ready_when(
    what: str, ready: Callable[[], Awaitable[bool]], procs: list[subprocess.Popen[bytes]], timeout: float = 300
) -> None:
    deadline = time.monotonic() + timeout
    while not await ready():
        if any(p.poll() is not None for p in procs):
            raise SystemExit(f"{what}: a process exited; see its log")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} not ready after {timeout:.0f} s; see its log")
        await asyncio.sleep(0.5)


def shape_of(rounds: list[list[int]]) -> str:
    n = max(1, len(rounds))
    executions, tasks = sum(len(r) for r in rounds) / n, sum(sum(r) for r in rounds) / n
    return f"{executions:.2f} executions and {tasks:.1f} task runs a case"


def jobs_for(indices: Iterable[int], shapes: dict[int, list[int]] | None = None) -> list[Job]:
    from fengqiao.cli.demo_scenarios import SCENARIOS

    jobs = []
    for i in indices:
        scenario = SCENARIOS[i % len(SCENARIOS)]
        # with no fengqiao phase to copy: one execution per answer and a last one, three tasks each
        rounds = (shapes or {}).get(i) or [3] * (len(scenario.script) + 1)
        jobs.append(Job(i, list(scenario.script), rounds=rounds))
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=16, help="measured cases per phase, the demo scenarios in turn")
    parser.add_argument("--concurrency", type=int, default=8, help="cases in flight at a time")
    parser.add_argument("--workers", default="1,2", help='the phases: worker processes in each ("1,2"; "" for none)')
    parser.add_argument("--skip-bare", action="store_true", help="no bare serve() phase")
    parser.add_argument(
        "--bare-cases",
        type=int,
        default=9,
        help="cases of the bare phase (a process per execution is slow): the shapes of the first measured ones",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds a phase may take")
    parser.add_argument(
        "--keep-databases", action="store_true", help="leave both databases for inspection (their names are printed)"
    )
    args = parser.parse_args()
    phases = [int(w) for w in args.workers.split(",") if w.strip()]

    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background, where SIGINT is ignored
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    made = Made(Path(tempfile.mkdtemp(prefix="fengqiao-bench-")))
    try:
        results = run(args, phases, made)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what this run started", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        if args.keep_databases:
            print(f"kept databases: {' '.join(made.databases)}", file=sys.stderr)
            made.databases.clear()
        made.close()
    print_table(args, results)


def run(args: argparse.Namespace, phases: list[int], made: Made) -> list[Result]:
    home = made.home
    prefect_db, fq_db = made.database("prefect_bench"), made.database("fq_bench")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FENGQIAO_DATABASE_URL"))}
    env |= {
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "FENGQIAO_HOME": str(home),
        "FENGQIAO_DATABASE_URL": f"postgresql+psycopg://{PG_HOST}/{fq_db}",
    }
    server_env = env | {"PREFECT_SERVER_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{PG_HOST}/{prefect_db}"}
    argv = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    server = made.start("prefect-server", argv, server_env)
    import httpx

    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    print(f"load average at the start {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    print(f"Prefect server on PostgreSQL {prefect_db}, fengqiao on {fq_db}; logs in {home}", flush=True)
    wait_until("the Prefect server", healthy, server)
    deploy = subprocess.run([str(BIN / "fengqiao"), "deploy"], env=env, cwd=ROOT, capture_output=True, text=True)
    if deploy.returncode:
        raise SystemExit(f"fengqiao deploy failed:\n{deploy.stdout}{deploy.stderr}")

    # this process: the driver, its database connections named so that their CPU is left out
    for k in [k for k in os.environ if k.startswith("PREFECT_")]:
        del os.environ[k]
    os.environ.update(env)
    os.environ["FENGQIAO_DATABASE_URL"] = f"{env['FENGQIAO_DATABASE_URL']}?application_name={DRIVER_APP}"
    os.environ["FENGQIAO_LOG_FILE"] = str(home / "driver.jsonl")
    from fengqiao.config.prefect_env import prepare_prefect_environment
    from fengqiao.config.settings import get_settings

    prepare_prefect_environment(get_settings())
    from fengqiao.services.intake import apply_configuration

    apply_configuration()
    return asyncio.run(phases_of(args, phases, made, env, server, [prefect_db, fq_db]))


async def phases_of(
    args: argparse.Namespace,
    phases: list[int],
    made: Made,
    env: dict[str, str],
    server: subprocess.Popen[bytes],
    databases: list[str],
) -> list[Result]:
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    from fengqiao.config.settings import get_settings

    results: list[Result] = []
    next_index = 0

    def indices(n: int) -> range:
        nonlocal next_index
        next_index += n
        return range(next_index - n, next_index)

    shapes: dict[int, list[int]] | None = None
    first_measured = 0
    async with get_client() as client:
        for n_workers in phases:
            workers = [
                made.start(f"worker-{n_workers}-{i}", [str(BIN / "fengqiao"), "worker"], env) for i in range(n_workers)
            ]
            names = {f"fengqiao-{socket.gethostname()}-{w.pid}" for w in workers}

            async def online(names: set[str] = names) -> bool:
                listed = await client.read_workers_for_work_pool(get_settings().work_pool, limit=200, offset=0)
                return names <= {w.name for w in listed}

            await ready_when(f"{n_workers} worker(s)", online, workers)
            warmup = jobs_for(indices(2 * n_workers))
            start_at = next_index
            jobs = jobs_for(indices(args.cases))
            label = f"fengqiao, {n_workers} worker{'s' if n_workers > 1 else ''}"
            procs = {"workers": [w.pid for w in workers], "server": [server.pid]}
            result = await measured(label, jobs, warmup, args, procs, databases, fengqiao_callbacks())
            await asyncio.to_thread(case_figures, result)
            results.append(result)
            mine = await case_shapes(jobs)
            result.shape = shape_of(list(mine.values()))
            if shapes is None:
                shapes, first_measured = mine, start_at
            for w in workers:
                await asyncio.to_thread(made.stop, w)

        if not args.skip_bare:
            poll = str(max(1, round(get_settings().runner_poll_seconds)))
            runner = made.start(
                "serve-bare",
                [sys.executable, str(ROOT / "benchmarks" / "bare_flow.py"), str(get_settings().runner_limit)],
                env | {"PREFECT_RUNNER_POLL_FREQUENCY": poll, "PYTHONPATH": str(ROOT)},
            )
            from benchmarks.bare_flow import DEPLOYMENT

            async def deployed() -> bool:
                try:
                    await client.read_deployment_by_name(DEPLOYMENT)
                    return True
                except ObjectNotFound:
                    return False

            await ready_when("serve()", deployed, [runner])
            same = {i - first_measured: s for i, s in (shapes or {}).items()}  # bare case k copies measured case k
            warmup = jobs_for([0], same)
            jobs = jobs_for(range(min(args.bare_cases, args.cases)), same)
            procs = {"workers": [runner.pid], "server": [server.pid]}
            result = await measured(
                "bare Prefect serve()", jobs, warmup, args, procs, databases, bare_callbacks(client)
            )
            await bare_latencies(result, client)
            result.not_closed = [j.key for j in jobs if j.done_at is None]
            result.shape = shape_of([j.rounds for j in jobs])
            results.append(result)
            await asyncio.to_thread(made.stop, runner)
    return results


def print_table(args: argparse.Namespace, results: list[Result]) -> None:
    from fengqiao.config.settings import get_settings

    s = get_settings()
    print(
        f"\n{args.cases} cases a phase (the demo scenarios in turn), {args.concurrency} in flight; "
        f"worker poll {s.runner_poll_seconds} s, {s.runner_limit} threads, sweep {s.sweep_seconds} s; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) at the end"
    )
    head = (
        f"{'':<24}{'cases':>6}{'wall s':>8}{'cases/s':>9}{'trans/s':>9}{'next p50':>10}{'p95':>8}"
        f"{'CPU-s a case: workers':>23}{'server':>8}{'postgres':>10}{'total':>8}"
    )
    print(head)
    print("-" * len(head))
    totals: dict[str, float] = {}
    for r in results:
        n = len(r.jobs)
        cpu = {k: v / n for k, v in r.cpu.items()}
        totals[r.label] = sum(cpu.values())
        trans = f"{r.transitions / r.wall:.2f}" if r.transitions is not None else "—"
        print(
            f"{r.label:<24}{n:>6}{r.wall:>8.1f}{n / r.wall:>9.3f}{trans:>9}"
            f"{pct(r.latencies, 0.5):>10.2f}{pct(r.latencies, 0.95):>8.2f}"
            f"{cpu['workers']:>23.3f}{cpu['server']:>8.3f}{cpu['postgres']:>10.3f}{totals[r.label]:>8.3f}"
        )
    print()
    for r in results:
        print(
            f"{r.label}: next = {r.latency_label} ({len(r.latencies)} measured); "
            f"{r.shape}; driver's own PostgreSQL backends {r.pg_driver / len(r.jobs):.3f} CPU-s a case (not counted)"
            + (f"; NOT CLOSED: {', '.join(r.not_closed)}" if r.not_closed else "")
        )
    ours = [r for r in results if not r.label.startswith("bare")]
    bare = [r for r in results if r.label.startswith("bare")]
    if len(ours) > 1:
        print(f"CPU-s a case, {ours[-1].label} / {ours[0].label}: {totals[ours[-1].label] / totals[ours[0].label]:.2f}")
    if ours and bare:
        for r in ours:
            print(
                f"bare / {r.label}: CPU-s a case {totals[bare[0].label] / totals[r.label]:.2f}, "
                f"cases/s {len(r.jobs) / r.wall / (len(bare[0].jobs) / bare[0].wall):.2f} times"
            )


if __name__ == "__main__":
    main()
