"""`fengqiao stats`: the figures a coordination centre reports, as tables with bars (or JSON)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.main import app, console, edge, prepared

DAY = ["%Y-%m-%d"]
SECTIONS = (
    ("by_status", "状态 status"),
    ("by_type", "纠纷类型 dispute type"),
    ("by_channel", "渠道 channel"),
    ("by_level", "化解层级 level reached"),
    ("by_outcome", "调解结果 outcome"),
    ("by_area", "区县 district"),
)


@app.command()
@edge
def stats(
    since: Annotated[
        datetime | None, typer.Option("--from", formats=DAY, help="registered on or after (China time)")
    ] = None,
    until: Annotated[datetime | None, typer.Option("--to", formats=DAY, help="registered on or before")] = None,
    region: Annotated[str | None, typer.Option(help="an area-code prefix, e.g. 511502")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the figures as JSON")] = False,
) -> None:
    """统计 Cases by status, type, channel, level, outcome and district; success rate; overdue cases."""
    prepared()
    from db.queries import CaseFilter
    from models.clocks import day_of
    from tasks.stats import figures, period
    from tasks.steps import now

    start, end = period(since.date() if since else None, until.date() if until else None)
    found = figures(CaseFilter(area=region, created_from=start, created_to=end), today=day_of(now()))
    if as_json:
        console.print_json(json.dumps(found, ensure_ascii=False))
        return
    rate = found["mediation_success_rate"]
    console.print(
        f"案件 cases {found['total']} · 在办 open {found['open']} · 超期 overdue {found['overdue']} · "
        f"调解成功率 success rate {'—' if rate is None else f'{rate:.1%}'}"
    )
    for key, title in SECTIONS:
        if found[key]:
            console.print(_bars(title, found[key]))


def _bars(title: str, counts: dict[str, Any]) -> Table:
    """A table whose last column is a bar, so the largest group stands out at a glance."""
    from models.vocabulary import bilingual

    table = Table(title=title, title_justify="left")
    table.add_column(title)
    table.add_column("件 n", justify="right")
    table.add_column("")
    top = max(counts.values())
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(bilingual(name), str(n), "█" * max(1, round(30 * n / top)))
    return table
