"""`fengqiao stats`: the figures a coordination centre reports, as tables with bars (or JSON)."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fengqiao.cli.main import app, console, edge, err, prepared
from fengqiao.models.vocabulary import bilingual, channel_shown

SECTIONS = (
    ("by_status", "状态 status"),
    ("by_type", "纠纷类型 dispute type"),
    ("by_channel", "渠道 channel"),
    ("by_level", "化解层级 level resolved at"),
    ("by_outcome", "调解结果 outcome"),
    ("by_area", "区县 district"),
)


@app.command()
@edge
def stats(
    since: Annotated[str | None, typer.Option("--from", help="registered in or after this month, YYYY-MM")] = None,
    until: Annotated[str | None, typer.Option("--to", help="registered in or before this month, YYYY-MM")] = None,
    region: Annotated[str | None, typer.Option(help="an area-code prefix down to a street, e.g. 511502")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the figures as JSON")] = False,
) -> None:
    """统计 Cases by status, type, channel, level, outcome, district and month; rates; overdue cases."""
    prepared()
    from fengqiao.models.clocks import day_of
    from fengqiao.models.errors import InvalidInput
    from fengqiao.services.runtime import now
    from fengqiao.services.stats import Question, asked, figures

    try:  # a period or region the counters cannot answer is bad usage (2), not a rejected record
        today = day_of(now())
        found = figures(Question(*asked(since, until, region, today=today)), today=today)
    except InvalidInput as exc:
        err.print(f"[red]{exc.code}:[/] {exc.message}", soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        console.print_json(json.dumps(found, ensure_ascii=False))
        return
    console.print(headline(found))
    console.print(definitions_table(found))
    from fengqiao.models.names import dispute_type
    from fengqiao.services.names import current_names

    def type_named(code: str) -> str:
        return "待分流 untriaged" if code == "untriaged" else dispute_type(code)

    def outcome_named(code: str) -> str:  # a case still in hand is 在办, as the statistics define it
        return found["definitions"]["open"]["label"] if code == "open" else bilingual(code)

    named = {
        "by_type": type_named,
        "by_channel": channel_shown,
        "by_outcome": outcome_named,
        "by_area": current_names().place,
    }  # names first
    for key, title in SECTIONS:
        if found[key]:
            console.print(_bars(title, found[key], label=named.get(key, bilingual)))
    if found["by_month"]:
        months = {m["month"]: m["cases"] for m in found["by_month"]}
        console.print(_bars("月度趋势 registered by month", months, ordered=True))


def headline(found: dict[str, Any]) -> str:
    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.1%}"

    days = found["average_days_to_close"]
    agreements, handed, swept = found["agreements"], found["handed_off"], found["screening"]
    committees, staff = found["roster"]["committees"], found["roster"]["mediators"]
    targets = "、".join(f"{bilingual(t)} {n}" for t, n in handed["by_target"].items())
    return (
        f"受理 received {found['received']} · 调解 mediated {found['mediated']} · "
        f"调解成功 agreements {agreements['total']} "
        f"(书面 written {agreements['written']}, 口头 oral {agreements['oral']}) · "
        f"调解成功率 success rate {pct(found['success_rate'])}\n"
        f"导入法治轨道 handed off {handed['total']}{f' ({targets})' if targets else ''} · "
        f"拒绝调解 refused {found['refused']} · "
        f"撤回 withdrawn {found['withdrawn']} · 在办 open {found['open']} · 结案 closed {found['closed']}\n"
        f"协议涉及金额 amount agreed {found['agreement_amount']} 元 yuan\n"
        f"涉及当事人 parties involved {found['parties_involved']} · "
        f"群体性纠纷 group disputes {found['group_disputes']} · "
        f"申请司法确认 applied for judicial confirmation {found['judicial_confirmation_applied']}\n"
        f"排查 screening sessions {swept['sessions']} · 发现 disputes found {swept['disputes_found']} · "
        f"预防 prevented {swept['disputes_prevented']}\n"
        f"调委会 committees {committees['total']} (村/居 village {committees['village']}, "
        f"乡镇/街道 township {committees['township']}, 企事业 enterprise {committees['enterprise']}, "
        f"行业/专业 sector {committees['sector']}, 其他 other {committees['other']})\n"
        f"调解员 mediators {staff['total']} "
        f"(专职 full-time {staff['full_time']}, 兼职 part-time {staff['part_time']}; 截至 as of {found['as_of']})\n"
        f"超期 overdue {found['overdue']} · 临期 due soon {found['due_soon']} · "
        f"基层化解占比 resolved at the lowest level {pct(found['lowest_level_share'])} · "
        f"平均结案天数 average days to close {'—' if days is None else days}" + compared_lines(found["compared"])
    )


def compared_lines(compared: dict[str, Any] | None) -> str:
    """本年累计, 环比, 同比 of a bounded period: received, agreements, success rate, each with its change."""
    if not compared:
        return ""
    titles = {"year_to_date": "本年累计 year to date", "previous_period": "环比", "same_period_last_year": "同比"}
    lines = []
    for key, title in titles.items():
        c = compared[key]
        moved = c.get("change", {})
        rate = "—" if c["success_rate"] is None else f"{c['success_rate']:.1%}"
        lines.append(
            f"{title} {c['from']}..{c['to']}: 受理 received {c['received']}{_delta(moved, 'received')} · "
            f"调解成功 agreements {c['agreements']}{_delta(moved, 'agreements')} · "
            f"调解成功率 success rate {rate}{_delta(moved, 'success_rate', points=True)}"
        )
    return "\n" + "\n".join(lines)


def _delta(moved: dict[str, float | None], name: str, *, points: bool = False) -> str:
    if name not in moved:
        return ""
    d = moved[name]
    return " (—)" if d is None else (f" ({d * 100:+.1f} pts)" if points else f" ({d:+.1%})")


def definitions_table(found: dict[str, Any]) -> Table:
    """统计口径: what each official figure counts, as the applied configuration defines it."""
    table = Table(title="统计口径 definitions", title_justify="left")
    table.add_column("指标 figure")
    table.add_column("口径 definition")
    for d in found["definitions"].values():
        table.add_row(d["label"], d["definition"])
    return table


def _bars(
    title: str, counts: dict[str, Any], *, ordered: bool = False, label: Callable[[str], str] = bilingual
) -> Table:
    """A table whose last column is a bar, so the largest group stands out at a glance."""
    table = Table(title=title, title_justify="left")
    table.add_column(title)
    table.add_column("件 n", justify="right")
    table.add_column("")
    top = max(counts.values())
    rows = counts.items() if ordered else sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    for name, n in rows:
        table.add_row(label(name), str(n), "█" * max(1, round(30 * n / top)))
    return table


@app.command()
@edge
def report(
    month: Annotated[str, typer.Option(help="the month reported, YYYY-MM")],
    region: Annotated[str | None, typer.Option(help="an area-code prefix down to a street, e.g. 511502")] = None,
    out: Annotated[Path | None, typer.Option(help="where to write it: .pdf (printed by Chromium) or .html")] = None,
) -> None:
    """月报 The monthly report (矛盾纠纷信息分析月报告) for a month and region, as PDF or a printable page."""
    prepared()
    from fengqiao.dashboard.reports import pdf_of, render_report, report_data
    from fengqiao.models.clocks import day_of
    from fengqiao.models.errors import InvalidInput
    from fengqiao.services.runtime import now
    from fengqiao.services.stats import Options, asked

    try:  # checked before anything is made or written
        if out is not None and out.suffix.lower() not in (".pdf", ".html"):
            raise InvalidInput(f"{str(out)!r} 不支持的文件类型 is neither .pdf nor .html", field="--out")
        asked(month, month, region, today=day_of(now()), names=Options("--month", "--month", "--region"))
        data = report_data(month, region)
    except InvalidInput as exc:
        err.print(f"[red]{exc.code}:[/] {exc.message}", soft_wrap=True)
        raise typer.Exit(2) from None
    target = out or Path(f"fengqiao-report-{month}{'-' + region if region else ''}.pdf")
    html = render_report(data)
    with console.status("正在生成 printing the report…"):
        content = pdf_of(html) if target.suffix.lower() == ".pdf" else html.encode("utf-8")
    target.write_bytes(content)
    received, closed = data["f"]["received"], data["f"]["closed"]
    console.print(f"{target}: {month} 受理 received {received} · 结案 closed {closed} · {len(content):,} bytes")
