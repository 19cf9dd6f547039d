"""`fengqiao intake FILE`: accept every good record, report every bad one, then start the new cases' flows.

Accepting and starting are two passes: a large import is bound by the database alone, and a
case accepted but not yet started is picked up by the worker's sweep if the second pass stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from fengqiao.channels.files import Parsed, count_records, read_records
from fengqiao.models.case import Case
from fengqiao.models.errors import ConfigurationError, FengqiaoError, InvalidInput
from fengqiao.models.vocabulary import Channel, bilingual

COLUMNS = (
    TextColumn("{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
    TimeRemainingColumn(),
)


@dataclass
class ImportSummary:
    created: int = 0
    already: int = 0
    duplicates: int = 0
    rejected: int = 0
    linked: int = 0  # cases linked to the screening session whose ledger it is
    to_start: list[Case] = field(default_factory=list)


CHUNK = 200  # records registered per transaction; a bad record still writes nothing


def import_file(
    console: Console, path: Path, channel: Channel, *, start_flows: bool, screening: int | None = None
) -> ImportSummary:
    """screening: the session (矛盾纠纷排查) whose ledger the file is; each case it registers is linked to it."""
    summary = ImportSummary()
    if screening is not None:
        from fengqiao.services.screening import check_screening

        check_screening(screening)  # before anything is registered
    with Progress(*COLUMNS, console=console) as progress:
        bar = progress.add_task(f"登记 intake {bilingual(channel)}", total=count_records(path))
        chunk: list[Parsed] = []
        for parsed in read_records(path, channel):
            chunk.append(parsed)
            if len(chunk) == CHUNK:
                _register(chunk, summary, progress.console, screening)
                progress.advance(bar, len(chunk))
                chunk = []
        _register(chunk, summary, progress.console, screening)
        progress.advance(bar, len(chunk))
        if start_flows and summary.to_start:
            from fengqiao.runs.launch import start_case_flow

            runs = progress.add_task("启动 starting case flows", total=len(summary.to_start))
            for case in summary.to_start:
                start_case_flow(case)
                progress.advance(runs)
    table = Table(title=f"登记结果 intake of {path.name}")
    for label in ("新案件 new cases", "疑似重复 suspected duplicates", "已登记 already registered", "拒收 rejected"):
        table.add_column(label, justify="right")
    table.add_row(*(str(n) for n in (summary.created, summary.duplicates, summary.already, summary.rejected)))
    console.print(table)
    console.print(
        f"登记 {summary.created} new, {summary.duplicates} suspected duplicates, "
        f"{summary.already} already registered, {summary.rejected} rejected"
    )
    if screening is not None:
        console.print(f"关联排查 linked to screening #{screening}: {summary.linked} cases", highlight=False)
    return summary


def _register(chunk: list[Parsed], summary: ImportSummary, out: Console, screening: int | None) -> None:
    """One transaction for the chunk's good records; every record's answer reported in file order."""
    from fengqiao.models.names import reason_shown
    from fengqiao.services.intake import Incoming, receive_many
    from fengqiao.services.names import current_names

    names = current_names()
    good = [Incoming(name, parsed) for name, parsed in chunk if not isinstance(parsed, InvalidInput)]
    answers = iter(receive_many(good, screening=screening) if good else [])
    for name, parsed in chunk:
        answer = parsed if isinstance(parsed, InvalidInput) else next(answers)
        if isinstance(answer, ConfigurationError):
            raise answer
        if isinstance(answer, FengqiaoError):
            summary.rejected += 1
            out.print(f"[red]rejected 拒收[/] {answer.message}", highlight=False, soft_wrap=True)
        elif not answer.created:
            summary.already += 1
        elif answer.duplicate_of:
            summary.duplicates += 1
            out.print(
                f"[yellow]duplicate 疑似重复[/] {name}: {answer.case.case_no} → {answer.duplicate_of} "
                f"({reason_shown(answer.duplicate_reason or '', names)})",
                highlight=False,
                soft_wrap=True,
            )
        else:
            summary.created += 1
        if screening is not None and not isinstance(answer, FengqiaoError) and answer.created:
            summary.linked += 1
        if not isinstance(answer, FengqiaoError) and answer.starts_a_run:
            summary.to_start.append(answer.case)
