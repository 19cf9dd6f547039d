"""`fengqiao config …`: the administrators' network and escalation paths, validated, versioned, compared."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fengqiao.cli.main import app, console, edge, prepared
from fengqiao.models.times import shown

config_app: typer.Typer = typer.Typer(
    help="配置 the network and escalation paths (YAML): validate, apply, show, diff.", no_args_is_help=True
)
app.add_typer(config_app, name="config")


@config_app.command("validate")
@edge
def config_validate(file: Annotated[Path, typer.Argument(help="a network YAML")]) -> None:
    """Check a network YAML without applying it; an error names file, line and field."""
    from fengqiao.config.network import load_network_file

    doc = load_network_file(file)
    console.print(
        f"有效 valid: {len(doc['organisations'])} organisations, {len(doc['mediators'])} mediators, "
        f"{len(doc['paths'])} escalation paths"
    )


@config_app.command("apply")
@edge
def config_apply(
    file: Annotated[Path | None, typer.Argument(help="a network YAML; the shipped sample if omitted")] = None,
) -> None:
    """Store a network YAML as a configuration version; new cases start under it."""
    prepared()
    from fengqiao.services.intake import apply_configuration

    console.print(f"配置版本 configuration version {apply_configuration(source=str(file) if file else None)}")


def _version_document(version: int | None) -> tuple[int, dict]:  # type: ignore[type-arg]
    from fengqiao.models.errors import ConfigurationError
    from fengqiao.services.config_versions import stored_version

    stored = stored_version(version)
    if stored is None:
        raise ConfigurationError("尚未应用调解网络配置 no configuration applied yet: run `fengqiao config apply`")
    return stored.number, stored.document


@config_app.command("show")
@edge
def config_show(
    version: Annotated[int | None, typer.Option(help="a configuration version; the newest if omitted")] = None,
) -> None:
    """显示 The applied configuration: its versions, the network by level, each dispute type's path."""
    prepared()
    from fengqiao.config.diff import rungs
    from fengqiao.models.names import dispute_type
    from fengqiao.models.vocabulary import bilingual
    from fengqiao.services.config_versions import config_versions

    versions = config_versions()
    number, doc = _version_document(version)
    table = Table(title="配置版本 configuration versions")
    for label in ("版本 version", "应用时间 applied", "来源 source", "案件 cases started under it"):
        table.add_column(label)
    for v in versions:
        mark = " ◀" if v["id"] == number else ""
        table.add_row(f"{v['id']}{mark}", shown(v["created_at"]), v["source"], str(v["cases"]))
    console.print(table)
    levels: dict[str, int] = {}
    for o in doc["organisations"]:
        levels[o["level"]] = levels.get(o["level"], 0) + 1
    console.print(
        f"版本 {number}: "
        + ", ".join(f"{bilingual(level)} {n}" for level, n in levels.items())
        + f"; 调解员 mediators {len(doc['mediators'])}; 专家 experts {len(doc['experts'])}"
    )
    if rooms := doc.get("stationed_rooms"):
        room_table = Table(title="派驻调解室 stationed rooms: a referral's first attempt is mediated there")
        for label in (
            "代码 code",
            "名称 name",
            "所在 host",
            "转办渠道 channels",
            "层级 level",
            "辖区 area",
            "容量 capacity",
        ):
            room_table.add_column(label)
        for r in rooms:
            channels = ", ".join(bilingual(c) for c in r["channels"])
            capacity = str(r["capacity"]) if r.get("capacity") else "—"
            room_table.add_row(
                r["code"], r["name"], r["host"], channels, bilingual(r["level"]), r["area_code"], capacity
            )
        console.print(room_table)
    paths = Table(title=f"升级路径 escalation paths (version {number})")
    paths.add_column("纠纷类型 dispute type")
    paths.add_column("路径 rungs (deadline) ; where failures and refusals go")
    names = {o["code"]: o["name"] for o in doc["organisations"]}
    for dtype, path in sorted(doc["paths"].items()):
        paths.add_row(dispute_type(dtype), rungs(path, names))
    console.print(paths)


@config_app.command("diff")
@edge
def config_diff(
    file: Annotated[
        Path | None, typer.Argument(help="a proposed network YAML; else the applied version against the one before it")
    ] = None,
    base: Annotated[
        int | None, typer.Option("--from", help="the version to compare against; default the newest")
    ] = None,
) -> None:
    """对比 What would change: organisations, mediators, experts, paths and triage settings, entry by entry."""
    prepared()
    from fengqiao.config.diff import diff_documents
    from fengqiao.config.network import load_network_file

    if file is not None:
        old_no, old = _version_document(base)
        new, new_label = load_network_file(file), str(file)
    else:
        new_no, new = _version_document(base)
        if new_no < 2:
            console.print(f"版本 {new_no} is the first version: nothing to compare it with")
            return
        old_no, old = _version_document(new_no - 1)
        new_label = f"version {new_no}"
    changes = diff_documents(old, new)
    table = Table(title=f"配置对比 version {old_no} → {new_label}: {len(changes)} changes")
    for label in ("部分 section", "条目 entry", "变化 change", "之前 before", "之后 after"):
        table.add_column(label)
    marks = {"added": "[green]新增 added[/]", "removed": "[red]删除 removed[/]", "changed": "[yellow]修改 changed[/]"}
    for c in changes:
        table.add_row(c.section, c.key, marks[c.kind], c.before, c.after)
    console.print(table if changes else "没有变化 no changes")


@config_app.command("what-if")
@edge
def config_what_if(
    file: Annotated[Path, typer.Argument(help="a proposed network YAML")],
    since: Annotated[
        datetime,
        typer.Option("--from", help="first day of the period", formats=["%Y-%m-%d"]),
    ],
    until: Annotated[datetime, typer.Option("--to", help="the day after the period", formats=["%Y-%m-%d"])],
    show_cases: Annotated[int, typer.Option("--cases", help="list up to this many cases whose route changes")] = 20,
) -> None:
    """推演 Replay the period's cases against a proposed configuration: where they would end, before and after."""
    prepared()
    from fengqiao.config.network import load_network_file
    from fengqiao.models.clocks import CST
    from fengqiao.models.names import whatif_result
    from fengqiao.services.names import current_names
    from fengqiao.services.whatif import what_if

    # days as people count them, China time; --to is the day after, so the last day read is the one before
    report = what_if(load_network_file(file), since=since.replace(tzinfo=CST), until=until.replace(tzinfo=CST))
    names = current_names()
    last = until - timedelta(days=1)
    console.print(
        f"推演 what-if: {report.cases} cases registered {since:%Y-%m-%d} – {last:%Y-%m-%d} (China time, both days "
        f"included), {len(report.changed)} would take another route under {file.name}"
    )
    for title, (now_, then), named in (
        ("止于 where they end (level or panel)", report.rungs, names.rung_coded),
        ("结果 result", report.results, whatif_result),
    ):
        table = Table(title=title)
        for label in ("", "现行 as configured", "拟议 proposed", "变化 change"):
            table.add_column(label, justify="right" if label else "left")
        for key in sorted(now_.keys() | then.keys()):
            delta = then[key] - now_[key]
            table.add_row(named(key), str(now_[key]), str(then[key]), f"{delta:+d}" if delta else "")
        console.print(table)
    if report.changed and show_cases:
        table = Table(title="路径改变的案件 cases whose route changes")
        for label in ("案件 case", "现行 as configured", "拟议 proposed"):
            table.add_column(label)
        for case_no, before, after in report.changed[:show_cases]:
            table.add_row(
                case_no,
                f"{names.rung_coded(before.rung)}: {whatif_result(before.result)}",
                f"{names.rung_coded(after.rung)}: {whatif_result(after.result)}",
            )
        console.print(table)


@config_app.command("migrate")
@edge
def config_migrate(
    case: Annotated[str, typer.Argument(metavar="CASE", help="an open case's number or id")],
    to: Annotated[int, typer.Option("--to", help="the configuration version to move it to")],
    actor: Annotated[str, typer.Option(help="the administrator")] = "admin",
    note: Annotated[str, typer.Option(help="why, for the timeline")] = "",
) -> None:
    """迁移 Move one running case to another configuration version (recorded); otherwise cases keep theirs."""
    prepared()
    from fengqiao.services.reconfigure import migrate_case

    after = migrate_case(case, to, actor=actor, note=note)
    rung = after.path_step + 1  # counted from 1, as `config show` counts a path's rungs
    console.print(f"{after.case_no}: 配置版本 configuration version {after.config_version}，第{rung}级 at rung {rung}")
