"""Prefect's API failing for a while (issue 14): the worker lives and every case ends as scripted.

A real Prefect server behind a fault-injecting proxy (tests/fault_proxy.py): the worker, `fengqiao
deploy` and this test's own client (try_wake, as the API's answer routes call it) reach Prefect
only through it. While runs are being created and executed, and while cases wait for people, the
proxy answers 500s, drops connections as they are accepted, or resets them mid-response, each
for a while, then heals. The worker process never exits; every case ends exactly as scripted, each
step once (the exact timeline), in one Completed flow run.
"""

from __future__ import annotations

import contextlib
import subprocess
import time

import httpx
import pytest
from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

from fengqiao.cli import demo_papers
from fengqiao.cli.demo_scenarios import SCENARIOS
from fengqiao.db import cases as case_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.runs.launch import try_wake
from fengqiao.services.runtime import engine
from fengqiao.services.steps import current_step
from tests.drive import register, timeline_of
from tests.fault_proxy import FaultProxy, Mode
from tests.processes import BIN, wait_for
from tests.test_pipeline import EXPECTED

PLAYED = ("resolved_first_level", "escalated_once", "panel_with_expert", "refused", "withdrawn", "not_suitable")
SCRIPTS = {s.name: s for s in SCENARIOS if s.name in PLAYED}
ENDED = {"closed"}
ACTIVE = {"Scheduled", "Pending", "Running", "Suspended", "Paused", "Late", "AwaitingRetry", "Retrying"}


class Cases:
    """The scenario cases, each answered from its script when it waits for a person."""

    def __init__(self) -> None:
        self.ids = {name: register(SCRIPTS[name].intake_record(channel_ref=f"T-{name}", n=1)) for name in PLAYED}
        self.answered = dict.fromkeys(PLAYED, 0)

    def status(self, name: str) -> str:
        with UnitOfWork(engine()) as uow:
            return str(case_store.get_case(uow.conn, self.ids[name][1]).status)

    def answer_waiting(self) -> list[str]:
        """Answer every case whose record says it waits for its next scripted input (what a person
        sees, whatever Prefect shows), and wake it; the wake-ups' words."""
        woken = []
        for name, (case_no, case_id) in self.ids.items():
            script = SCRIPTS[name].script
            if self.answered[name] == len(script):
                continue
            kind, value, actor = script[self.answered[name]]
            step = current_step(case_id)
            if step["kind"] != "wait" or step["wait"]["kind"] != str(kind):
                continue
            demo_papers.answer(case_no, kind, value, actor=actor)  # an agreement after its papers
            self.answered[name] += 1
            woken.append(try_wake(case_id))
        return woken

    def play_for(self, seconds: float, *, answer: bool = True) -> list[str]:
        deadline, woken = time.monotonic() + seconds, []
        while time.monotonic() < deadline:
            if answer:
                woken += self.answer_waiting()
            time.sleep(0.5)
        return woken

    def all_ended(self) -> bool:
        self.answer_waiting()
        return all(self.status(name) in ENDED for name in PLAYED)


def fault_for(proxy: FaultProxy, mode: Mode, seconds: float, cases: Cases, *, answer: bool) -> list[str]:
    proxy.fault(mode, seconds)  # the proxy heals itself on time, however long a wake-up below takes
    return cases.play_for(seconds, answer=answer)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_prefect_failing_for_a_while_the_worker_lives_and_every_case_ends_as_scripted(network, processes, tmp_path):
    port = processes.port  # type: ignore[attr-defined]
    processes.start("prefect", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port))
    wait_for("the Prefect server", lambda: httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200)
    # this process's client (try_wake) through the proxy, giving up as an API request would (the
    # embedded setup's 10 retries back off for half an hour), so a wake-up lost to a fault is the sweep's
    with FaultProxy(port) as proxy, temporary_settings({PREFECT_API_URL: proxy.url, PREFECT_CLIENT_MAX_RETRIES: 3}):
        processes.env["PREFECT_API_URL"] = proxy.url
        deployed = subprocess.run(
            [str(BIN / "fengqiao"), "deploy"], env=processes.env, capture_output=True, text=True, timeout=300
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        worker = processes.start("worker", str(BIN / "fengqiao"), "worker")
        wait_for("the worker on the pool", lambda: workers_seen(port), timeout=180)
        cases = Cases()

        # the runs are being created and started (mid-flight): 500s, then dropped connections
        fault_for(proxy, "500", 8, cases, answer=False)
        cases.play_for(4)
        fault_for(proxy, "drop", 8, cases, answer=True)
        cases.play_for(4)
        # cases wait for people, some runs resuming: reset mid-response, then 500s again
        fault_for(proxy, "reset", 8, cases, answer=True)
        cases.play_for(4)
        fault_for(proxy, "500", 6, cases, answer=False)
        wait_for("every case to end", cases.all_ended, timeout=400)
        # a case's record ends inside its run's last step; the run reports Completed a moment later
        # (seconds on a loaded machine): the runs are read once none is active, or after 120 s, when
        # the assertions below name the case whose run was left behind
        with contextlib.suppress(AssertionError):
            wait_for(
                "every run to end", lambda: not any(ACTIVE & set(run_states(port, n)) for n, _ in cases.ids.values())
            )

    (tmp_path / "refused.log").write_text("\n".join(proxy.refused))  # which requests met a 500
    assert worker.poll() is None  # the worker never exited
    assert proxy.faults["500"] > 0 and proxy.faults["drop"] > 0 and proxy.faults["reset"] > 0
    assert cases.answered == {name: len(SCRIPTS[name].script) for name in PLAYED}
    for name, (case_no, case_id) in cases.ids.items():
        assert timeline_of(case_id) == EXPECTED[name][1], name  # each step once, as scripted
        states = run_states(port, case_no)
        assert states[-1] == "Completed" and not ACTIVE & set(states), (name, states)  # no run left behind


def run_states(port: int, case_no: str) -> list[str]:
    """The states of the case's flow runs, oldest first, as the Prefect server has them."""
    runs = httpx.post(
        f"http://127.0.0.1:{port}/api/flow_runs/filter", json={"flow_runs": {"name": {"any_": [f"case-{case_no}"]}}}
    ).json()
    return [r["state"]["name"] for r in sorted(runs, key=lambda r: r["created"])]


def workers_seen(port: int) -> bool:
    answer = httpx.post(f"http://127.0.0.1:{port}/api/work_pools/fengqiao-cases/workers/filter", json={"limit": 10})
    return answer.status_code == 200 and len(answer.json()) == 1
