"""`fengqiao screening record` and `fengqiao screening list`: the committees' screening sessions (矛盾纠纷排查)."""

from datetime import datetime
from typing import Annotated

import typer

from fengqiao.cli.main import app, console, edge, prepared

screening_app = typer.Typer(
    help="排查 screening sessions: record a sweep (who, where, when, disputes found and prevented) and list them.",
    no_args_is_help=True,
)
app.add_typer(screening_app, name="screening")


@screening_app.command("record")
@edge
def screening_record(
    held_on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], help="the day held (China time)")],
    area: Annotated[str, typer.Option(help="the area swept: an area code, e.g. 511502001001")],
    place: Annotated[str, typer.Option(help="where: villages, buildings, a market…")],
    by: Annotated[str, typer.Option("--by", help="who swept: mediators, grid workers")],
    found: Annotated[int, typer.Option(help="排查发现纠纷 disputes found")],
    prevented: Annotated[int, typer.Option(help="预防纠纷 disputes prevented")] = 0,
    org: Annotated[str | None, typer.Option(help="the committee that held it (organisation code)")] = None,
    case: Annotated[list[str] | None, typer.Option("--case", help="a case registered from it (repeat)")] = None,
    note: Annotated[str, typer.Option(help="what else to keep")] = "",
    actor: Annotated[str, typer.Option(help="who records it")] = "cli",
) -> None:
    """排查 Record a screening session; its disputes count in the month it was held."""
    prepared()
    from fengqiao.models.screening import Screening
    from fengqiao.services.screening import record_screening

    stored = record_screening(
        Screening(
            held_on=held_on.date(),
            area_code=area,
            place=place,
            screened_by=by,
            disputes_found=found,
            disputes_prevented=prevented,
            org_code=org,
            note=note,
            cases=tuple(case or ()),
            actor=actor,
        )
    )
    console.print(
        f"已记录 recorded: 排查 screening #{stored.id} {stored.held_on} {stored.area_code} · "
        f"发现 found {stored.disputes_found} · 预防 prevented {stored.disputes_prevented} · "
        f"关联案件 cases {len(stored.cases)}",
        highlight=False,
    )


@screening_app.command("list")
@edge
def screening_list(
    month: Annotated[str | None, typer.Option(help="held in this month, YYYY-MM")] = None,
    region: Annotated[str | None, typer.Option(help="an area-code prefix down to a street")] = None,
) -> None:
    """排查 The screening sessions, latest first, with the cases registered from each."""
    prepared()
    from rich.table import Table

    from fengqiao.models.months import month_of
    from fengqiao.services.screening import screenings
    from fengqiao.services.stats import Question

    checked = month_of(month, "month") if month else None
    found = screenings(Question(checked, checked, region))
    table = Table(title="排查 screening sessions")
    columns = ("# 编号", "日期 held on", "区域 area", "地点 place", "排查人 by", "发现 found", "预防 prevented")
    for column in (*columns, "案件 cases"):
        table.add_column(column)
    for s in found:
        table.add_row(
            str(s.id),
            str(s.held_on),
            s.area_code,
            s.place,
            s.screened_by,
            str(s.disputes_found),
            str(s.disputes_prevented),
            " ".join(s.cases),
        )
    console.print(table)
    console.print(
        f"排查次数 sessions {len(found)} · 发现 found {sum(s.disputes_found for s in found)} · "
        f"预防 prevented {sum(s.disputes_prevented for s in found)}",
        highlight=False,
    )
