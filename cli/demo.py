"""`fengqiao demo`: the sample network, N disputes through several channels, scripted people, a report."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fengqiao.cli.demo_scenarios import SCENARIOS, Scenario
from fengqiao.models.case import NewCase, StepKind
from fengqiao.models.vocabulary import OPEN_STATUSES, InputKind, Status, bilingual
from fengqiao.runs.launch import start_case_flow, wake_case
from fengqiao.runs.serve import start_worker_thread
from fengqiao.services.case_reads import case_route
from fengqiao.services.human_input import record_input
from fengqiao.services.intake import apply_configuration, register_case
from fengqiao.services.steps import current_step


@dataclass
class DemoCase:
    case_id: int
    case_no: str
    scenario: Scenario
    script: list[tuple[InputKind, str, str]] = field(default_factory=list)


def _new_case(scenario: Scenario, n: int) -> NewCase:
    return scenario.intake_record(channel_ref=f"DEMO-{time.strftime('%Y%m%d%H%M%S')}-{n:04d}", n=n)


def _answer_waits(case: DemoCase) -> bool:
    """Give the case the next scripted input if it waits for one; True once it is closed."""
    step = current_step(case.case_id)
    if step["kind"] == StepKind.DONE:
        return True
    if step["kind"] != StepKind.WAIT or not case.script:
        return False
    kind, value, actor = case.script.pop(0)
    record_input(case.case_no, kind, value, actor=actor)
    wake_case(case.case_id)
    return False


def run_demo(cases: int, *, console: Console, timeout: float = 900) -> dict[str, Counter[str]]:
    version = apply_configuration()
    console.print(f"[bold]网络配置 network configuration[/] version {version} (config/sample_network.yaml)")
    with console.status("启动 Prefect 与工作进程 starting Prefect and the worker…"):
        start_worker_thread()
    demo: list[DemoCase] = []
    for n in range(cases):
        scenario = SCENARIOS[n % len(SCENARIOS)]
        case, _ = register_case(_new_case(scenario, n))
        start_case_flow(case)
        demo.append(DemoCase(case.id, case.case_no, scenario, list(scenario.script)))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    deadline = time.monotonic() + timeout
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("案件结案 cases closed", total=len(demo))
        open_cases = list(demo)
        while open_cases and time.monotonic() < deadline:
            open_cases = [c for c in open_cases if not _answer_waits(c)]
            progress.update(bar, completed=len(demo) - len(open_cases))
            time.sleep(0.5)
    return report(demo, console=console)


def report(demo: list[DemoCase], *, console: Console) -> dict[str, Counter[str]]:
    by_outcome: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    by_stage: Counter[str] = Counter()
    table = Table(title="案件 cases")
    table.add_column("案号 case", no_wrap=True)
    for col in ("渠道 channel", "类型 type", "场景 scenario", "调解机构 route", "结果 result", "状态 status"):
        table.add_column(col)
    for c in demo:
        route = case_route(c.case_id)
        case, timeline, levels = route.case, route.timeline, route.levels
        orgs = [t.org for t in timeline if t.stage == "assignment" and t.org]
        last_decisive = next(
            (t for t in reversed(timeline) if t.to_status in (Status.RESOLVED, Status.HANDED_OFF, Status.WITHDRAWN)),
            None,
        )
        result = last_decisive.to_status if last_decisive else case.status
        by_outcome[bilingual(result)] += 1
        by_level[bilingual(levels[-1]) if levels else "未调解 not mediated"] += 1
        for t in timeline:
            by_stage[bilingual(t.stage)] += 1
        went = " → ".join(orgs) or "—"
        table.add_row(
            case.case_no,
            case.channel,
            case.dispute_type or "",
            c.scenario.name,
            went,
            bilingual(result),
            case.status,
        )
    console.print(table)
    for title, counts in (
        ("结果 outcome", by_outcome),
        ("最高调解层级 highest level mediated", by_level),
        ("各环节流转 transitions by stage", by_stage),
    ):
        tally = Table(title=title)
        tally.add_column(title.split(" ")[0])
        tally.add_column("数量 count", justify="right")
        for k, v in sorted(counts.items(), key=lambda kv: -kv[1]):
            tally.add_row(k, str(v))
        console.print(tally)
    still_open = [c.case_no for c in demo if _status(c.case_id) in OPEN_STATUSES]
    if still_open:
        console.print(f"[red]未结案 still open:[/] {', '.join(still_open)}")
    return {"outcome": by_outcome, "level": by_level, "stage": by_stage}


def _status(case_id: int) -> Status:
    return case_route(case_id).case.status
