"""`fengqiao demo`: the sample network, N disputes through several channels, scripted people, a report.

Every wait is bounded: a case is answered the moment it waits and woken without waiting for its
run to settle (the sweep, every few seconds here, catches a run that suspended just after), each
call to Prefect gives up after DRIVER_RETRIES, the bar moves as each case closes, and the overall
limit is checked after every case. The demo fails (exit 1) naming every case that did not end as
its scenario scripts.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fengqiao.cli.demo_papers import answer
from fengqiao.cli.demo_scenarios import SCENARIOS, Scenario
from fengqiao.config.logging import get_logger, withhold_console_details
from fengqiao.config.settings import get_settings
from fengqiao.models.case import NewCase, StepKind
from fengqiao.models.figures import REFUSAL_RULE
from fengqiao.models.names import SUFFIX, Names, dispute_type
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import InputKind, Status, bilingual, channel_shown
from fengqiao.runs.deployments import DEPLOYMENT_WAIT_SECONDS
from fengqiao.runs.launch import start_case_flow, wake_case
from fengqiao.runs.serve import start_worker_thread
from fengqiao.runs.sweep import sweep_once
from fengqiao.services.case_reads import case_route
from fengqiao.services.intake import apply_configuration, register_case
from fengqiao.services.names import current_names
from fengqiao.services.steps import current_step

NAME_WIDTH = max(len(s.name) for s in SCENARIOS)
SWEEP_SECONDS = 5.0  # a run that suspended just after its answer was stored is resumed this soon
# The demo's own calls to Prefect (starting, waking, sweeping) give up after 3 retries, about 14 s
# of back-off, not the embedded setting's 10 (half an hour): what one misses, the next sweep does.
DRIVER_RETRIES = 3
DECISIVE = (Status.RESOLVED, Status.HANDED_OFF, Status.WITHDRAWN)
log = get_logger(component="demo")


@dataclass
class DemoCase:
    case_id: int
    case_no: str
    scenario: Scenario
    script: list[tuple[InputKind, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DemoResult:
    counts: dict[str, Counter[str]]  # outcome, level, stage
    not_as_scripted: list[str]  # one line per case that did not end as its scenario scripts


def _new_case(scenario: Scenario, n: int) -> NewCase:
    return scenario.intake_record(channel_ref=f"DEMO-{time.strftime('%Y%m%d%H%M%S')}-{n:04d}", n=n)


def _advance(case: DemoCase) -> bool:
    """Give the case its next scripted input if it waits for one; True once it is closed."""
    step = current_step(case.case_id)
    if step["kind"] == StepKind.DONE:
        return True
    if step["kind"] != StepKind.WAIT or not case.script:
        return False
    kind, value, actor = case.script.pop(0)
    answer(case.case_no, kind, value, actor=actor)  # an agreement's papers first (cli/demo_papers.py)
    try:
        wake_case(case.case_id, settle_seconds=0)
    except Exception as exc:  # noqa: BLE001 - the answer is stored; the sweep wakes the case
        log.warning("demo.wake.failed", case_no=case.case_no, error=type(exc).__name__)
    return False


def _start(scenario: Scenario, n: int) -> DemoCase:
    case, _ = register_case(_new_case(scenario, n))
    try:
        start_case_flow(case)
    except Exception as exc:  # noqa: BLE001 - the case is stored; the sweep starts its run
        log.warning("demo.start.failed", case_no=case.case_no, error=type(exc).__name__)
    return DemoCase(case.id, case.case_no, scenario, list(scenario.script))


def run_demo(cases: int, *, console: Console, timeout: float = 900) -> DemoResult:
    version = apply_configuration()
    console.print(f"[bold]网络配置 network configuration[/] version {version} (config/sample_network.yaml)")
    starting = f"启动 Prefect 与工作进程 starting Prefect at {PREFECT_API_URL.value()} and the worker"
    with console.status(f"{starting} (at most {DEPLOYMENT_WAIT_SECONDS:.0f} s)…"):
        worker, stop = start_worker_thread()
    withhold_console_details()  # and on what the embedded server's start set up
    try:
        return report(_drive(cases, timeout, console=console), console=console, timeout=timeout)
    finally:
        stop.set()  # the worker takes no new run and lets running steps finish, then ends
        worker.join(get_settings().worker_stop_seconds + 5)


def _drive(cases: int, timeout: float, *, console: Console) -> list[DemoCase]:
    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: DRIVER_RETRIES}):  # this thread's calls only
        return _drive_bounded(cases, timeout, console=console)


def _drive_bounded(cases: int, timeout: float, *, console: Console) -> list[DemoCase]:
    deadline = time.monotonic() + timeout  # from the first case registered, as --help says
    demo = [_start(SCENARIOS[n % len(SCENARIOS)], n) for n in range(cases)]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    next_sweep = time.monotonic() + SWEEP_SECONDS
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("案件结案 cases closed", total=len(demo))
        open_cases = list(demo)
        while open_cases and time.monotonic() < deadline:
            for c in list(open_cases):
                if time.monotonic() >= deadline:
                    break
                if _advance(c):
                    open_cases.remove(c)
                    progress.advance(bar)
            if time.monotonic() >= next_sweep:
                sweep_once()
                next_sweep = time.monotonic() + SWEEP_SECONDS
            time.sleep(0.2)
    return demo


def _result(timeline: list[Transition], status: Status) -> Status:
    """The case's decisive result (resolved, handed off, withdrawn), or its status while it has none."""
    decisive = next((t.to_status for t in reversed(timeline) if t.to_status in DECISIVE), None)
    return decisive or status


def _shown(timeline: list[Transition], result: Status) -> str:
    """The result as the statistics count it: a refusal handed to the courts is 拒绝调解, not 导入法治轨道."""
    refused = any(t.rule == REFUSAL_RULE for t in timeline)
    return f"拒绝调解 refused → {bilingual(result)}" if refused and result == Status.HANDED_OFF else bilingual(result)


def _route(orgs: list[str], names: Names) -> str:
    """`白沙社区调委会 C-BAISHA` and `→ 白沙湾街道调委会 S-BAISHAWAN` below it: the committees that mediated,
    one a line, each by its short name (调委会 for 人民调解委员会) with its code, so a route fits its column."""
    return "\n→ ".join(f"{names.orgs[o].replace(SUFFIX, '调委会')} {o}" if o in names.orgs else o for o in orgs)


def report(demo: list[DemoCase], *, console: Console, timeout: float) -> DemoResult:
    by_outcome: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    by_stage: Counter[str] = Counter()
    missed: list[str] = []
    names = current_names()
    table = Table(title="案件 cases")
    table.add_column("案号 case", no_wrap=True)
    for col in ("渠道 channel", "类型 type", "场景 scenario", "调解机构 route", "结果 result", "状态 status"):
        # a long name or code goes on to the next line, never cut; a scenario's name (one word) fits its column
        scenario = col == "场景 scenario"
        folded = scenario or col == "调解机构 route"
        table.add_column(col, overflow="fold" if folded else "ellipsis", width=NAME_WIDTH if scenario else None)
    for c in demo:
        route = case_route(c.case_id)
        case, timeline = route.case, route.timeline
        result = _result(timeline, case.status)
        if case.status != Status.CLOSED or result != c.scenario.ends_as:
            still_open = case.status != Status.CLOSED
            why = f"仍未结案 still open after --timeout {timeout:g} s" if still_open else "已结案 closed"
            missed.append(
                f"{c.case_no} ({c.scenario.name}): {why}, {bilingual(case.status)}, {bilingual(result)}; "
                f"scripted to close as {bilingual(c.scenario.ends_as)}"
            )
        by_outcome[_shown(timeline, result)] += 1
        by_level[bilingual(route.levels[-1]) if route.levels else "未调解 not mediated"] += 1
        for t in timeline:
            by_stage[bilingual(t.stage)] += 1
        orgs = [t.org for t in timeline if t.stage == "assignment" and t.org]
        table.add_row(
            case.case_no,
            channel_shown(case.channel),
            dispute_type(case.dispute_type),
            f"{c.scenario.label} {c.scenario.name}",
            _route(orgs, names) or "—",
            _shown(timeline, result),
            bilingual(case.status),
        )
    console.print(table)
    for title, counts in (
        ("结果 result", by_outcome),
        ("最高调解层级 highest level mediated", by_level),
        ("各环节流转 transitions by stage", by_stage),
    ):
        tally = Table(title=title)
        tally.add_column(title.split(" ")[0])
        tally.add_column("数量 count", justify="right")
        for k, v in sorted(counts.items(), key=lambda kv: -kv[1]):
            tally.add_row(k, str(v))
        console.print(tally)
    return DemoResult({"result": by_outcome, "level": by_level, "stage": by_stage}, missed)
