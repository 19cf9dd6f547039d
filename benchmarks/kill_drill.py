"""Kill drill (issue 19): the demo scenarios through the HTTP API only while processes are SIGKILLed.

    .venv/bin/python benchmarks/kill_drill.py --cases 12 --kills 6 --seed 1

What runs (made here, removed at the end, Ctrl-C included; benchmarks/pipeline.py's Made):
  - fresh PostgreSQL databases for Prefect and fengqiao; `prefect server start` on the first;
    `fengqiao config apply` (the sample network), an integrator and a coordinator key, `fengqiao deploy`;
  - the API as `fengqiao serve --no-worker` and two `fengqiao worker` processes, the worker settings as
    the environment gives them (FENGQIAO_WORKER_DEAD_SECONDS, FENGQIAO_SWEEP_SECONDS, ...);
  - one thread a case, an integrator's client: it posts the scenario's record to its channel's intake
    (Idempotency-Key), polls GET /cases/{id} and, the moment the case waits for the scenario's next input,
    posts it with the round `waiting_for` names and an Idempotency-Key; a connection error, a 5xx or a
    429 is retried (the same request, the same key) until it is acknowledged;
  - meanwhile --kills SIGKILLs, at random gaps, of a worker, the API or the Prefect server (each kind in
    turn, shuffled), each restarted after a short pause, and --cuts rounds of pg_terminate_backend on
    every backend of fengqiao's database.

Checked at the end, from the database: every case closed as its scenario's `ends_as`; its timeline is
a clean run's (tests/test_pipeline.py EXPECTED: seq, from, to, stage, organisation), so no transition
doubled or missing; every acknowledged answer is stored exactly once and nothing else is. Printed: the
cases, the kills by process, recovery time from each restart to the next transition written anywhere
(p50, max), wall time, the load average, and every case that did not end as scripted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pipeline import BIN, PG_HOST, Made, _interrupt, free_port, pct, wait_until  # noqa: E402

WORKERS = 2
KINDS = ("worker", "api", "prefect")
RETRY = {429, 500, 502, 503, 504}
ANSWER_PATH = {"outcome": "outcome", "handoff_result": "handoff-result", "expert_opinion": "expert-opinion"}


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- what an integrator sends --------------------------------------------------------------------
def id_number(n: int) -> str:
    from fengqiao.models.identity import id_check_digit

    first17 = f"5115021990{1 + n // 28 % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def intake_record(scenario: Any, ref: str, n: int) -> dict[str, Any]:
    """The scenario's record in its channel's own format (the shipped example, the scenario's fields
    over it; parties numbered n, so no two cases are held as duplicates of each other)."""
    from fengqiao.channels.hotline import CATALOGUE
    from fengqiao.models.vocabulary import Channel

    channel = scenario.channel
    example = ROOT / "examples" / f"{channel.value}.jsonl"
    rec: dict[str, Any] = json.loads(example.read_text(encoding="utf-8").splitlines()[0])
    applicant = {"name": f"申请人{n}", "phone": f"139{n:08d}", "id_number": id_number(n)}
    respondent = {"name": f"被申请人{n}"}
    roled = [{"role": "applicant", **applicant}, {"role": "respondent", **respondent}]
    common = {"dispute_type": scenario.dispute_type, "people_involved": scenario.people_involved}
    if channel is Channel.GRID:
        rec |= common | {"report_id": ref, "grid_code": scenario.area_code, "description": scenario.summary}
        rec |= {"parties": roled, "location": {"address": "翠屏区"}, "attachments": []}
    elif channel is Channel.HOTLINE_12345:
        category = next(c for c, (_, t) in CATALOGUE.items() if t == scenario.dispute_type)
        rec |= {"ticket_id": ref, "area_code": scenario.area_code, "description": scenario.summary}
        rec |= {"category": category, "caller": applicant, "respondent": respondent, "address": "翠屏区"}
    elif channel in (Channel.POLICE, Channel.COURT, Channel.PETITION):
        rec |= common | {"their_case_no": ref, "area_code": scenario.area_code, "summary": scenario.summary}
        rec |= {"parties": roled, "amount": None, "documents": []}
    elif channel is Channel.WALK_IN:
        rec |= common | {"form_no": ref, "window_area_code": scenario.area_code, "area_code": scenario.area_code}
        rec |= {"claim": scenario.summary, "facts": scenario.summary, "amount": None}
        rec |= {"applicant": applicant, "respondent": respondent}
    else:  # online: no people_involved in its form
        rec |= {"submission_id": ref, "area_code": scenario.area_code, "description": scenario.summary}
        rec |= {"dispute_type": scenario.dispute_type, "applicant": applicant, "respondent": respondent}
    return {k: v for k, v in rec.items() if v is not None}


def answer_body(kind: str, value: str, actor: str, attempt: int) -> dict[str, Any]:
    if kind == "expert_opinion":
        return {"expert": actor, "text": value, "attempt": attempt}
    return {"result": value, "attempt": attempt}


# the papers the sample network's completeness gate (case_file:) asks before each agreement
PAPERS = {"agreement": ("session_record", "signed_copy"), "oral_agreement": ("session_record", "oral_agreement")}


def file_papers(
    case: Drilled, client: Client, headers: dict[str, str], value: str, actor: str, attempt: int
) -> tuple[str, dict[str, Any]]:
    """File what the gate asks before an agreement, as a mediator's client would (each request retried,
    the session record with an Idempotency-Key); return the request that records the agreement itself:
    the outcome, or for an oral agreement its terms (口头调解协议登记) with it."""
    from fengqiao.cli.demo_papers import ORAL_TERMS, SAID, signed_scan

    sitting = {
        "held_at": datetime.now(UTC).isoformat(),
        "place": "调解室 mediation room",
        "attendees": ["当事人 the parties"],
        "mediators": [actor],
        "content": SAID,
        "attempt": attempt,
    }
    key = {"Idempotency-Key": f"KD-{case.case_no}-session-{attempt}"}
    sent = client.send(case, "POST", f"/cases/{case.case_id}/sessions", headers | key, json=sitting)
    if sent.status_code != 200:
        case.trouble = f"session record answered {sent.status_code}: {sent.text[:200]}"
    if "signed_copy" in PAPERS[value]:  # a retried upload may keep a second copy: the gate needs one
        scan = {"file": ("调解协议书签字件.pdf", signed_scan(), "application/pdf")}
        up = client.send(
            case, "POST", f"/cases/{case.case_id}/documents", headers, files=scan, data={"attempt": attempt}
        )
        if up.status_code != 201:
            case.trouble = f"signed copy answered {up.status_code}: {up.text[:200]}"
    if value == "oral_agreement":
        oral = {"terms": ORAL_TERMS, "manner": "当场履行 on the spot", "oral": True, "attempt": attempt}
        return f"/cases/{case.case_id}/agreement", oral
    return f"/cases/{case.case_id}/outcome", answer_body("outcome", value, actor, attempt)


# --- one case, as an integrator's client drives it -----------------------------------------------
@dataclass
class Drilled:
    n: int
    scenario: Any
    case_id: int = 0
    case_no: str = ""
    acked: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, round, value) acknowledged
    retries: Counter[str] = field(default_factory=Counter)  # why a request was sent again
    trouble: str = ""  # what the client saw that a scripted case never shows
    closed: bool = False


class Client:
    """Requests retried on what is passing (no connection, a 5xx, a 429), as an integrator would."""

    def __init__(self, base: str, deadline: float, halt: threading.Event) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.deadline, self.halt = deadline, halt

    def send(self, case: Drilled, method: str, path: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        while time.monotonic() < self.deadline and not self.halt.is_set():
            try:
                r = self.http.request(method, path, headers=headers, **kw)
                if r.status_code not in RETRY:
                    return r
                case.retries[str(r.status_code)] += 1
            except httpx.HTTPError as exc:
                case.retries[type(exc).__name__] += 1
            time.sleep(1)
        raise TimeoutError(f"{method} {path}: no answer before the drill's deadline")


def drive_case(case: Drilled, client: Client, keys: dict[str, dict[str, str]], tag: str) -> None:
    ref = f"KD-{tag}-{case.n:04d}"
    channel = case.scenario.channel.value
    record = intake_record(case.scenario, ref, case.n)
    r = client.send(case, "POST", f"/intake/{channel}", keys["integrator"] | {"Idempotency-Key": ref}, json=record)
    if r.status_code != 202:
        case.trouble = f"intake answered {r.status_code}: {r.text[:200]}"
        return
    case.case_id, case.case_no = r.json()["case_id"], r.json()["case_no"]
    script = list(case.scenario.script)
    answered: set[tuple[str, int]] = set()
    while time.monotonic() < client.deadline and not client.halt.is_set():
        got = client.send(case, "GET", f"/cases/{case.case_id}", keys["coordinator"])
        detail = got.json()
        if detail.get("status") == "closed":
            case.closed = True
            return
        waiting = detail.get("waiting_for")
        # the wait just answered shows until the case's run takes the answer: it is not asked again
        if waiting and script and (waiting["input"], waiting["attempt"]) not in answered:
            kind, value, actor = script[0]
            if waiting["input"] != str(kind):
                case.trouble = f"waits for {waiting['input']} #{waiting['attempt']}, the script gives {kind}"
                return
            key = {"Idempotency-Key": f"{ref}-{len(case.acked) + 1}"}
            body = answer_body(str(kind), value, actor, waiting["attempt"])
            path = f"/cases/{case.case_id}/{ANSWER_PATH[str(kind)]}"
            if str(kind) == "outcome" and value in PAPERS:
                path, body = file_papers(case, client, keys["coordinator"], value, actor, waiting["attempt"])
            posted = client.send(case, "POST", path, keys["coordinator"] | key, json=body)
            if posted.status_code != 200:
                case.trouble = f"{kind} answered {posted.status_code}: {posted.text[:200]}"
                return
            answered.add((waiting["input"], waiting["attempt"]))
            got = posted.json()
            if "kind" not in got:  # an oral agreement, recorded with its terms: always an outcome
                got |= {"kind": "outcome", "round": got["attempt"]}
            case.acked.append((got["kind"], got["round"], value))  # a refusal is filed as an exit
            script.pop(0)
            continue
        time.sleep(0.5)


# --- the processes, killed and restarted ---------------------------------------------------------
class Fleet:
    """The Prefect server, the API and the workers by name: started, SIGKILLed, started again."""

    def __init__(self, made: Made, env: dict[str, str], server_env: dict[str, str], port: int, api_port: int) -> None:
        self.made, self.env, self.server_env = made, env, server_env
        self.port, self.api_port = port, api_port
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.starts: Counter[str] = Counter()

    def argv(self, name: str) -> tuple[list[str], dict[str, str]]:
        if name == "prefect":
            argv = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
            return argv, self.server_env
        if name == "api":
            return [str(BIN / "fengqiao"), "serve", "--no-worker", "--port", str(self.api_port)], self.env
        return [str(BIN / "fengqiao"), "worker"], self.env

    def start(self, name: str) -> None:
        self.starts[name] += 1
        argv, env = self.argv(name)
        self.procs[name] = self.made.start(f"{name}-{self.starts[name]}", argv, env)

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        if proc.poll() is not None:
            print(f"  ! {name} had exited by itself ({proc.returncode})", flush=True)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self.made.procs.remove(proc)

    def healthy(self, name: str) -> bool:
        url = {"prefect": f"http://127.0.0.1:{self.port}/api/health", "api": self.api_base() + "/health"}.get(name)
        try:
            return url is None or httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/api/v1"


@dataclass
class Chaos:
    kills: Counter[str] = field(default_factory=Counter)
    restarts: list[tuple[str, datetime]] = field(default_factory=list)  # (process, started again at)
    cuts: int = 0
    backends_cut: int = 0


def cut_connections(fq_db: str) -> int:
    import psycopg

    with psycopg.connect(f"postgresql://{PG_HOST}/test", autocommit=True) as conn:
        return len(
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
                (fq_db,),
            ).fetchall()
        )


def chaos(args: argparse.Namespace, fleet: Fleet, fq_db: str, done: threading.Event, out: Chaos) -> None:
    """--kills kills (worker, API, Prefect in turn, shuffled) and --cuts connection cuts at random gaps."""
    rng = random.Random(args.seed)
    kinds = [KINDS[i % len(KINDS)] for i in range(args.kills)]
    rng.shuffle(kinds)
    events = kinds + ["cut"] * args.cuts
    rng.shuffle(events)
    for event in events:
        if done.wait(rng.uniform(args.gap / 2, args.gap * 1.5)):
            return
        if event == "cut":
            out.cuts += 1
            out.backends_cut += cut_connections(fq_db)
            print(f"  {time.strftime('%H:%M:%S')} cut fengqiao's database connections", flush=True)
            continue
        name = f"worker-{rng.randrange(WORKERS)}" if event == "worker" else event
        fleet.kill(name)
        out.kills[event] += 1
        time.sleep(rng.uniform(1, 3))
        fleet.start(name)
        out.restarts.append((name, datetime.now(UTC)))
        print(f"  {time.strftime('%H:%M:%S')} SIGKILLed {name}, started again", flush=True)
        deadline = time.monotonic() + 120
        while not fleet.healthy(name) and time.monotonic() < deadline:
            time.sleep(0.5)


# --- set-up --------------------------------------------------------------------------------------
def cli(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run([str(BIN / "fengqiao"), *argv], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"fengqiao {' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def new_key(env: dict[str, str], name: str, role: str) -> dict[str, str]:
    out = cli(env, "keys", "create", name, "--role", role, "--area", "5115")
    return {"Authorization": f"Bearer {out.strip().splitlines()[-1].strip()}"}


def set_up(made: Made) -> tuple[Fleet, dict[str, dict[str, str]], str]:
    prefect_db, fq_db = made.database("prefect_drill"), made.database("fq_drill")
    port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FENGQIAO_DATABASE_URL"))}
    env |= {
        "PREFECT_HOME": str(made.home / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "FENGQIAO_HOME": str(made.home),
        "FENGQIAO_DATABASE_URL": f"postgresql+psycopg://{PG_HOST}/{fq_db}",
        "FENGQIAO_API_RATE_PER_MINUTE": "100000",  # one key polls every case: the drill is not about limits
    }
    server_env = env | {"PREFECT_SERVER_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{PG_HOST}/{prefect_db}"}
    fleet = Fleet(made, env, server_env, port, api_port)
    print(f"Prefect server on PostgreSQL {prefect_db}, fengqiao on {fq_db}; logs in {made.home}", flush=True)
    fleet.start("prefect")
    wait_until("the Prefect server", lambda: fleet.healthy("prefect"), fleet.procs["prefect"])
    cli(env, "config", "apply")
    keys = {"integrator": new_key(env, "drill-platform", "integrator")}
    keys["coordinator"] = new_key(env, "drill-centre", "coordinator")
    cli(env, "deploy")
    fleet.start("api")
    for i in range(WORKERS):
        fleet.start(f"worker-{i}")
    wait_until("fengqiao serve", lambda: fleet.healthy("api"), fleet.procs["api"])
    os.environ["FENGQIAO_DATABASE_URL"] = env["FENGQIAO_DATABASE_URL"]  # the checks at the end read it
    return fleet, keys, fq_db


# --- the checks ----------------------------------------------------------------------------------
def check(cases: list[Drilled], restarts: list[tuple[str, datetime]]) -> tuple[list[str], dict[str, list[float]]]:
    """Each case's lines of trouble, and the recovery times (restart → the next transition anywhere)."""
    from sqlalchemy import text

    from fengqiao.services.runtime import engine
    from tests.test_pipeline import EXPECTED

    decisive = {"resolved", "handed_off", "withdrawn"}
    missed: list[str] = []
    with engine().connect() as conn:
        every = sorted(r[0] for r in conn.execute(text("select at from transitions")))
        for c in cases:
            name = f"{c.case_no or f'#{c.n}'} ({c.scenario.name})"
            if not c.case_id:
                missed.append(f"{name}: not registered: {c.trouble}")
                continue
            rows = conn.execute(
                text(
                    "select seq, from_status, to_status, stage, org_code from transitions"
                    " where case_id = :id order by seq"
                ),
                {"id": c.case_id},
            ).all()
            status = conn.execute(text("select status from cases where id = :id"), {"id": c.case_id}).scalar_one()
            result = next((r[2] for r in reversed(rows) if r[2] in decisive), status)
            if status != "closed" or result != c.scenario.ends_as:
                missed.append(f"{name}: {status}, {result}; scripted: {c.scenario.ends_as}")
            clean = [tuple(e[:5]) for e in EXPECTED[c.scenario.name][1]]
            if [tuple(r) for r in rows] != clean:
                missed.append(f"{name}: timeline {[tuple(r) for r in rows]} is not a clean run's {clean}")
            stored = Counter(
                tuple(r)
                for r in conn.execute(
                    text("select kind, round, value from human_inputs where case_id = :id"), {"id": c.case_id}
                )
            )
            if stored != Counter(c.acked) or len(c.acked) != len(c.scenario.script):
                missed.append(f"{name}: answers stored {dict(stored)}, acknowledged {c.acked}")
            if c.trouble:
                missed.append(f"{name}: {c.trouble}")
    recovery: dict[str, list[float]] = {}
    for name, at in restarts:
        i = bisect_left(every, at)
        if i < len(every):
            recovery.setdefault(name.split("-")[0], []).append((every[i] - at).total_seconds())
    return missed, recovery


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=60, help="cases, the demo scenarios in turn")
    parser.add_argument("--kills", type=int, default=30, help="SIGKILLs in all (worker, API, Prefect server)")
    parser.add_argument("--cuts", type=int, default=3, help="rounds of pg_terminate_backend on fengqiao's database")
    parser.add_argument("--seed", type=int, default=19, help="the random gaps and targets")
    parser.add_argument("--gap", type=float, default=8.0, help="mean seconds between two kills or cuts")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds the drill may take")
    parser.add_argument("--keep", action="store_true", help="keep the two databases for a post-mortem")
    args = parser.parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    made = Made(Path(tempfile.mkdtemp(prefix="fengqiao-drill-")))
    try:
        drill(args, made)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what this run started", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        if args.keep and made.databases:
            print(f"kept databases {', '.join(made.databases)}; logs in {made.home}")
            made.databases.clear()
        made.close()


def drill(args: argparse.Namespace, made: Made) -> None:
    from fengqiao.cli.demo_scenarios import SCENARIOS
    from fengqiao.config.settings import get_settings

    print(f"load average at the start {loadavg()} (1, 5, 15 min)", flush=True)
    fleet, keys, fq_db = set_up(made)
    cases = [Drilled(n, SCENARIOS[n % len(SCENARIOS)]) for n in range(args.cases)]
    done, halt = threading.Event(), threading.Event()
    client = Client(fleet.api_base(), time.monotonic() + args.timeout, halt)
    tag = time.strftime("%H%M%S")
    started = time.monotonic()
    threads = [threading.Thread(target=drive_case, args=(c, client, keys, tag), daemon=True) for c in cases]
    out = Chaos()
    breaker = threading.Thread(target=chaos, args=(args, fleet, fq_db, done, out), daemon=True)
    breaker.start()
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    finally:
        halt.set()
        done.set()
        breaker.join()
    wall = time.monotonic() - started
    exited = [n for n, p in fleet.procs.items() if p.poll() is not None]
    missed, by_kind = check(cases, out.restarts)
    recovery = [s for values in by_kind.values() for s in values]
    each = "; ".join(f"{k} p50 {pct(v, 0.5):.1f} s, max {max(v):.1f} s" for k, v in sorted(by_kind.items()))
    retries = sum((c.retries for c in cases), Counter[str]())
    kills = ", ".join(f"{k} {out.kills[k]}" for k in KINDS)
    short = sum(out.kills.values()) < args.kills or out.cuts < args.cuts
    print(
        f"\n{len(cases)} cases (the demo scenarios in turn), HTTP API only; fengqiao serve --no-worker and "
        f"{WORKERS} fengqiao workers, Prefect server, PostgreSQL; seed {args.seed}\n"
        f"kills (SIGKILL, restarted after 1-3 s): {sum(out.kills.values())} of {args.kills} asked ({kills}); "
        f"database connections cut {out.cuts} of {args.cuts} times ({out.backends_cut} backends)"
        f"{' (the cases had all closed: a smaller --gap spreads them)' if short else ''}\n"
        f"recovery, restart → next transition written anywhere: p50 {pct(recovery, 0.5):.1f} s, "
        f"max {max(recovery, default=float('nan')):.1f} s ({len(recovery)} of {len(out.restarts)} restarts "
        f"followed by a transition){'; by process: ' + each if each else ''}\n"
        f"client requests sent again: {sum(retries.values())} ({', '.join(f'{k} {v}' for k, v in retries.items())}); "
        f"processes that exited on their own: {', '.join(exited) or 'none'}\n"
        f"wall {wall:.1f} s; load average at the end {loadavg()} (1, 5, 15 min): not an idle machine"
    )
    s = get_settings()
    print(
        f"liveness as configured: a worker silent {s.worker_dead_seconds:g} s is dead (heartbeat "
        f"{s.worker_heartbeat_seconds} s), sweep every {s.sweep_seconds:g} s, "
        f"a run stale after {s.stale_run_seconds:g} s"
    )
    closed = sum(1 for c in cases if c.closed)
    print(
        f"closed as scripted: {len(cases) - len({m.split(':')[0] for m in missed})} of {len(cases)} ({closed} closed)"
    )
    for line in missed:
        print(f"  NOT AS SCRIPTED {line}")
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
