"""`fengqiao points`: studio points (积分制) for a month, mediators and studios ranked."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from fengqiao.cli.main import app, console, edge, prepared

COLUMNS = ("名次 rank", "件 cases", "协议 agreements", "笔录 sessions", "天 days", "满意度 satisfaction", "积分 points")


@app.command()
@edge
def points(month: Annotated[str, typer.Option(help="the month, YYYY-MM (China time); this month is live")]) -> None:
    """积分制 Points per mediator and per studio for a month: cases, agreements, sessions, days, satisfaction."""
    prepared()
    from fengqiao.services.points import monthly_points

    found = monthly_points(month)
    for title, rows in (("调解员 mediators", found.mediators), ("调解工作室 studios", found.studios)):
        table = Table(title=f"积分 points {found.month} · {title}", title_justify="left")
        table.add_column(COLUMNS[0], justify="right")
        table.add_column(title)
        for column in COLUMNS[1:]:
            table.add_column(column, justify="right")
        for rank, (code, t) in enumerate(rows, start=1):
            score = "—" if t.average_satisfaction is None else f"{t.average_satisfaction} ({t.visits})"
            table.add_row(
                str(rank), code, str(t.cases), str(t.agreements), str(t.sessions), str(t.days), score, f"{t.points:g}"
            )
        console.print(table)
    r = found.rules
    console.print(
        f"公式 formula: {r.per_case:g}/件 case + {r.per_agreement:g}/协议 agreement + {r.per_session:g}/笔录 session"
        f" + {r.per_day:g}/天 day + {r.per_satisfaction:g}/满意度分 satisfaction point",
        highlight=False,
    )
