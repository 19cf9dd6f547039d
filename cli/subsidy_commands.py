"""`fengqiao subsidies` (the month's statement, 以案定补) and `fengqiao tariff` (apply and list the tariffs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fengqiao.cli.main import app, console, edge, prepared

tariff_app = typer.Typer(
    help="以案定补标准 case-subsidy tariffs: apply one from a month on, list them.", no_args_is_help=True
)
app.add_typer(tariff_app, name="tariff")


@app.command()
@edge
def subsidies(
    month: Annotated[str, typer.Option(help="the month, YYYY-MM (China time)")],
    org: Annotated[str | None, typer.Option(help="one committee (organisation code)")] = None,
    out: Annotated[Path | None, typer.Option(help="write it for the finance office: .csv, .pdf or .html")] = None,
) -> None:
    """以案定补 The month's subsidy statement: each case's rules and yuan, totals by mediator and committee."""
    prepared()
    from fengqiao.services.subsidies import monthly_statement

    s = monthly_statement(month, org)
    if out is not None:
        from fengqiao.dashboard.subsidies import csv_of, render_statement

        kind = out.suffix.lower()
        if kind == ".csv":
            content = csv_of(s)
        else:
            html = render_statement(s, org)
            if kind == ".pdf":
                from fengqiao.dashboard.reports import pdf_of

                with console.status("正在生成 printing the statement…"):
                    content = pdf_of(html)
            else:
                content = html.encode("utf-8")
        out.write_bytes(content)
    tariff = f"v{s.tariff_version} from {s.tariff_from}" if s.tariff_version else "none in force 无适用标准"
    table = Table(title=f"以案定补 subsidies {s.month} · tariff {tariff}", title_justify="left")
    for column in ("调解员 mediator", "元 yuan"):
        table.add_column(column, justify="right" if column == "元 yuan" else "left")
    for mediator, yuan in s.by_mediator.items():
        table.add_row(mediator, str(yuan))
    console.print(table)
    by_org = " · ".join(f"{o} {y}" for o, y in s.by_org.items())
    console.print(f"调委会 committees: {by_org or '—'}", highlight=False)
    console.print(
        f"合计 total {s.total} 元 yuan · 案件 cases {len(s.items)}{f' · {out}' if out else ''}", highlight=False
    )


@tariff_app.command("apply")
@edge
def tariff_apply(
    file: Annotated[Path, typer.Argument(help="a tariff YAML (config/sample_tariff.yaml shows one)")],
    since: Annotated[str, typer.Option("--from", help="the month it takes effect from, YYYY-MM")],
) -> None:
    """Store a tariff in force from a month on; refused if it would change a closed month's statement."""
    prepared()
    from fengqiao.config.tariff import parse_tariff_document
    from fengqiao.models.errors import ConfigurationError
    from fengqiao.services.subsidies import apply_tariff

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{file}: cannot read: {exc.strerror}", field="file") from None
    tariff = apply_tariff(parse_tariff_document(text, str(file)), effective_from=since, source=str(file))
    console.print(f"已应用 applied: tariff v{tariff.version} from {tariff.effective_from}, {len(tariff.rules)} rules")


@tariff_app.command("list")
@edge
def tariff_list() -> None:
    """The tariffs, each with the month it takes effect from and its rules."""
    prepared()
    from fengqiao.services.subsidies import tariffs

    table = Table(title="以案定补标准 tariffs")
    for column in ("版本 version", "起始 from", "规则 rules"):
        table.add_column(column)
    for t in tariffs():
        table.add_row(str(t.version), t.effective_from, "; ".join(f"{r.name} {r.yuan}" for r in t.rules))
    console.print(table)
