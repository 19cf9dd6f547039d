"""`fengqiao subsidies` (the month's statement, 以案定补) and `fengqiao tariff` (apply and list the tariffs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from fengqiao.cli.main import app, console, edge, prepared
from fengqiao.cli.usage import bad_options

if TYPE_CHECKING:
    from fengqiao.models.names import Names
    from fengqiao.models.subsidies import Statement

SHARE_ZH = {"split": "按次分摊 split by attempt", "concluding": "归结案调解员 to the concluding mediator"}

tariff_app = typer.Typer(
    help="以案定补标准 case-subsidy tariffs: apply one from a month on, list them.", no_args_is_help=True
)
app.add_typer(tariff_app, name="tariff")


@app.command()
@edge
def subsidies(
    month: Annotated[str, typer.Option(help="the month, YYYY-MM (China time); this month is provisional")],
    org: Annotated[str | None, typer.Option(help="one committee (organisation code): its shares only")] = None,
    out: Annotated[Path | None, typer.Option(help="write it for the finance office: .csv, .pdf or .html")] = None,
) -> None:
    """以案定补 The month's subsidy statement: each case's rules, yuan, who is paid; totals."""
    prepared()
    from fengqiao.models.subsidies import checked_format
    from fengqiao.services.names import current_names
    from fengqiao.services.subsidies import monthly_statement

    with bad_options(month="--month", org="--org", out="--out"):
        kind = checked_format(str(out)) if out is not None else None
        s = monthly_statement(month, org)
    names = current_names()
    if out is not None:
        _write(out, kind, s, org)
    _show(s, names, out)


def _write(out: Path, kind: str | None, s: Statement, org: str | None) -> None:
    from fengqiao.dashboard.subsidies import csv_of, render_statement

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


def _show(s: Statement, names: Names, out: Path | None) -> None:
    from fengqiao.models.subsidies import RESULT_LABELS
    from fengqiao.services.subsidies import month_shown

    tariff = (
        f"v{s.tariff_version} from {s.tariff_from}, {SHARE_ZH[s.share]}"
        if s.tariff_version
        else "none in force 无适用标准"
    )
    cases = Table(title=f"以案定补 subsidies {month_shown(s)} · 标准 tariff {tariff}", title_justify="left")
    for column in ("案件 case", "结果 result", "规则 rules", "次 attempt", "调解员 mediator", "元 yuan"):
        cases.add_column(column, justify="right" if column in ("次 attempt", "元 yuan") else "left")
    for i in s.items:
        rules = "、".join(s.labels.get(r, r) for r in i.rules)
        for n, p in enumerate(i.shares):  # a case split between attempts: one line for each who is paid
            said = (i.case_no, RESULT_LABELS[i.result], rules) if n == 0 else ("", "", "")
            cases.add_row(*said, str(p.attempt), names.mediator(p.mediator), str(p.yuan))
    console.print(cases)
    for title, totals, name in (
        ("调解员 mediator", s.by_mediator, names.mediator),
        ("调委会 committee", s.by_org, names.org),
    ):
        table = Table(show_header=True, title_justify="left")
        table.add_column(title)
        table.add_column("元 yuan", justify="right")
        for code, yuan in totals.items():
            table.add_row(name(code), str(yuan))
        console.print(table)
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
        raise ConfigurationError(f"{file}: 无法读取 cannot read: {exc.strerror}", field="file") from None
    with bad_options(**{"from": "--from"}):
        tariff = apply_tariff(parse_tariff_document(text, str(file)), effective_from=since, source=str(file))
    console.print(
        f"已应用 applied: tariff v{tariff.version} from {tariff.effective_from}, {len(tariff.rules)} rules, "
        f"{SHARE_ZH[tariff.share]}",
        highlight=False,
    )


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
