"""Real processes for end-to-end tests: a Prefect server, fengqiao's worker or server, on the test's database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from fengqiao.db import flow_runs
from fengqiao.db.uow import UnitOfWork
from fengqiao.services.runtime import engine

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], object], timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if value := check():
                return value
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.running = env, logs, {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.running[name] = proc
        return proc

    def kill(self, name: str) -> None:
        proc = self.running.pop(name)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # no clean shutdown: the process and its children just die
        proc.wait(timeout=30)

    def kill_all(self) -> None:
        for name in list(self.running):
            self.kill(name)


@pytest.fixture(scope="session")
def prefect_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Prefect's own SQLite database, migrated once a session: a test's `prefect server start` on a
    copy skips Prefect's migrations (11 CPU-s and half the start on this machine, measured loaded)."""
    home = tmp_path_factory.mktemp("prefect-template")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"PREFECT_HOME": str(home)}
    subprocess.run(
        [str(BIN / "prefect"), "server", "database", "upgrade", "-y"], env=env, check=True, capture_output=True
    )
    return home / "prefect.db"


@pytest.fixture
def processes(tmp_path: Path, database: str, prefect_database_template: Path) -> Processes:  # type: ignore[misc]
    (tmp_path / "prefect").mkdir()
    shutil.copyfile(prefect_database_template, tmp_path / "prefect" / "prefect.db")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FENGQIAO_EMBEDDED"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        FENGQIAO_DATABASE_URL=database,
        FENGQIAO_HOME=str(tmp_path / "home"),
        FENGQIAO_RUNNER_POLL_SECONDS="1",
        FENGQIAO_SWEEP_SECONDS="2",
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY="30",  # the least Prefect allows
        FENGQIAO_STALE_RUN_SECONDS="75",  # past a busy CI machine's slowest run start (40 s was crossed once)
    )
    procs = Processes(env, tmp_path)
    procs.port = port  # type: ignore[attr-defined]
    yield procs
    procs.kill_all()


def start_prefect_and_worker(procs: Processes) -> None:
    port = procs.port  # type: ignore[attr-defined]
    procs.start("prefect", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port))
    wait_for("the Prefect server", lambda: httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200)
    procs.start("worker", str(BIN / "fengqiao"), "worker")


def flow_run_state(procs: Processes, flow_run_id: str) -> str:
    port = procs.port  # type: ignore[attr-defined]
    return httpx.get(f"http://127.0.0.1:{port}/api/flow_runs/{flow_run_id}").json()["state"]["name"]


def case_run_in(procs: Processes, case_id: int, state: str, *, not_run: str | None = None) -> Callable[[], str | None]:
    """A check for wait_for: the case's recorded run, once it is in `state` (and is not `not_run`)."""

    def check() -> str | None:
        with UnitOfWork(engine()) as uow:
            run_id, _ = flow_runs.case_flow_run(uow.conn, case_id)
        if run_id is None or run_id == not_run:
            return None
        return run_id if flow_run_state(procs, run_id) == state else None

    return check
