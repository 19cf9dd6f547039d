"""`fengqiao points`: points (积分制) for a month, mediators and committees ranked (1, 1, 3 for a tie)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from fengqiao.cli.main import app, console, edge, prepared
from fengqiao.cli.usage import bad_options

COLUMNS = ("名次 rank", "件 cases", "协议 agreements", "笔录 sessions", "天 days", "满意度 satisfaction", "积分 points")
TITLES = {
    "mediators": "调解员 mediators",
    "committees": "调委会/调解室 committees and stationed rooms",  # where the cases were held (models.points)
}


@app.command()
@edge
def points(
    month: Annotated[str, typer.Option(help="the month, YYYY-MM (China time); this month is live")],
    as_json: Annotated[bool, typer.Option("--json", help="the ranking as JSON (codes, with names beside)")] = False,
) -> None:
    """积分制 Points per mediator and per committee for a month: cases, agreements, sessions, days, satisfaction."""
    prepared()
    from fengqiao.models.points import CREDIT
    from fengqiao.services.names import current_names
    from fengqiao.services.points import monthly_points, points_data

    with bad_options(month="--month"):
        found = points_data(monthly_points(month), current_names())
    if as_json:
        console.print_json(json.dumps(found, ensure_ascii=False))
        return
    for key, title in TITLES.items():
        console.print(_table(f"积分 points {found['month']} · {title}", title, found[key]))
    r = found["formula"]
    console.print(
        f"公式 formula: {r['per_case']:g}/件 case + {r['per_agreement']:g}/协议 agreement + "
        f"{r['per_session']:g}/笔录 session + {r['per_day']:g}/天 day + "
        f"{r['per_satisfaction']:g}/满意度分 satisfaction point; 同分同名次 equal points, equal rank",
        highlight=False,
    )
    console.print(CREDIT, highlight=False, soft_wrap=True)


def _table(title: str, who: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(COLUMNS[0], justify="right")
    table.add_column(who)
    for column in COLUMNS[1:]:
        table.add_column(column, justify="right")
    for row in rows:
        average = row["average_satisfaction"]
        score = "—" if average is None else f"{average} ({row['visits']})"
        cells = (row["cases"], row["agreements"], row["sessions"], row["days"])
        table.add_row(str(row["rank"]), row["name"], *map(str, cells), score, f"{row['points']:g}")
    return table
