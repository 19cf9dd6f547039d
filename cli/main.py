"""fengqiao 枫桥 — the People's Mediation case pipeline. Exit status: 0 done, 1 rejected or failed, 2 usage/config."""

import functools
import importlib
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from fengqiao.cli import registry
from fengqiao.cli.choices import metavar, one_of
from fengqiao.models.errors import ConfigurationError, FengqiaoError
from fengqiao.models.vocabulary import Channel, InputKind, Outcome, Status, bilingual, channel_shown

if TYPE_CHECKING:  # settings (pydantic-settings) are read by the commands that use them, not for --help
    from fengqiao.config.settings import Settings

app = typer.Typer(help=__doc__, no_args_is_help=True, rich_markup_mode="rich", pretty_exceptions_enable=False)
db_app = typer.Typer(help="数据库 database: migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
dup_app = typer.Typer(help="并单 suspected duplicates: list them, merge one into its open case, or split it off.")
app.add_typer(dup_app, name="duplicates")


class CaseGroup(TyperGroup):
    """`fengqiao case CASE` shows a case, as it always has; `fengqiao case retry CASE` is a subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


case_app = typer.Typer(
    cls=CaseGroup,
    help="案件 One case: `case CASE` shows it, `case retry CASE` retries a parked one.",
    no_args_is_help=True,
)
app.add_typer(case_app, name="case")
console = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
F = TypeVar("F", bound=Callable[..., Any])


def edge(fn: F) -> F:
    """Turn domain errors into a clear line and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigurationError as exc:
            err.print(f"[red]配置错误 configuration error:[/] {exc.message}", soft_wrap=True)
            raise typer.Exit(2) from None
        except FengqiaoError as exc:
            err.print(f"[red]{exc.code}:[/] {exc.message}", soft_wrap=True)
            raise typer.Exit(1) from None
        except OSError as exc:  # a file named on the command line (--out F, a folder) that cannot be used
            if exc.filename is None:
                raise
            said = f"文件无法读写 cannot read or write '{exc.filename}': {exc.strerror}"
            err.print(f"[red]invalid_input:[/] {escape(said)}", soft_wrap=True, highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def settings() -> "Settings":
    from pydantic import ValidationError

    from fengqiao.config.settings import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        from fengqiao.models.invalid import why

        e = exc.errors()[0]
        said = why(e["type"], e["msg"])
        err.print(f"[red]配置错误 configuration error:[/] FENGQIAO_{str(e['loc'][0]).upper()}: {said}", soft_wrap=True)
        raise typer.Exit(2) from None


def prepared(*, log_file: bool = True) -> "Settings":
    """Settings, the schema at head, and Prefect's environment, before Prefect is imported.

    Interactive commands log their JSON lines to $FENGQIAO_HOME/logs (unless FENGQIAO_LOG_FILE
    says otherwise) so the terminal shows people's output; the worker logs to stderr.
    """
    from fengqiao.config.settings import get_settings

    s = settings()
    if log_file and not s.log_file:
        os.environ["FENGQIAO_LOG_FILE"] = str((s.home / "logs" / "fengqiao.jsonl").resolve())
        get_settings.cache_clear()
        s = get_settings()
    from fengqiao.config.prefect_env import prepare_prefect_environment
    from fengqiao.db.migrate import ensure_schema

    prepare_prefect_environment(s)
    ensure_schema(s.resolved_database_url)
    return s


@db_app.command("upgrade")
@edge
def db_upgrade() -> None:
    """Apply database migrations (alembic) to FENGQIAO_DATABASE_URL or the embedded SQLite; with
    FENGQIAO_OWNER_DATABASE_URL, as the owner, then make and grant the application's role."""
    from fengqiao.db.migrate import current_revision, upgrade

    s = settings()
    if s.owner_database_url:
        from fengqiao.db.roles import upgrade_as_owner

        role = upgrade_as_owner(s.owner_database_url, s.resolved_database_url)
        console.print(f"应用角色 application role [bold]{role}[/]: only INSERT and SELECT on the timeline, access log")
    else:
        upgrade(s.resolved_database_url)
    console.print(f"数据库已是最新 database at revision [bold]{current_revision(s.migration_database_url)}[/]")


@case_app.command("show")
@edge
def case(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number (FQ…) or id")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (parties masked) instead of tables")] = False,
) -> None:
    """案件 One case and its timeline."""
    prepared()
    from fengqiao.cli.views import case_as_json, show_case

    if as_json:
        print(json.dumps(case_as_json(ref), ensure_ascii=False, indent=2))
    else:
        show_case(console, ref)


@app.command("cases")
@edge
def list_cases(
    status: Annotated[Status | None, typer.Option(parser=one_of(Status, "--status"), metavar=metavar(Status))] = None,
    channel: Annotated[
        Channel | None, typer.Option(parser=one_of(Channel, "--channel"), metavar=metavar(Channel))
    ] = None,
    area: Annotated[str | None, typer.Option(help="area code prefix")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """案件列表 List cases, newest first."""
    prepared()
    from fengqiao.cli.views import show_cases

    show_cases(console, status=status, channel=channel, area=area, limit=limit)


ATTEMPT_HELP = "the round answered (as `case` shows it): a round that has passed gets its first answer back"
KEY_CHARS = 150  # as the API's Idempotency-Key


def _idempotency_key(key: str | None) -> str | None:
    if key is not None and not re.fullmatch(f"[ -~]{{1,{KEY_CHARS}}}", key):
        raise typer.BadParameter(f"1 to {KEY_CHARS} printable ASCII characters")
    return key


def cli_key(key: str | None) -> str | None:
    """An Idempotency-Key from the command line as stored: "cli:" before it (an API key's id never is)."""
    return f"cli:{key}" if key is not None else None


KeyOption = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        callback=_idempotency_key,
        help="the same key again gets the answer it first recorded, whatever the case waits for now; "
        "with a different answer it is refused (input_conflict)",
    ),
]


def _submit(ref: str, kind: InputKind, value: str, note: str, actor: str, attempt: int | None, key: str | None) -> None:
    prepared()
    from fengqiao.runs.launch import try_wake
    from fengqiao.services.human_input import record_input

    rec = record_input(ref, kind, value, note=note, actor=actor, attempt=attempt, idempotency_key=cli_key(key))
    what = "已记录 recorded" if rec.created else "此前已记录 already recorded"
    console.print(f"{what}: {rec.case.case_no} {rec.input.kind} #{rec.input.round} = {rec.input.value}")
    console.print(f"流程 flow run: {try_wake(rec.case.id)}", soft_wrap=True)


@app.command()
@edge
def outcome(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number or id")],
    result: Annotated[
        Outcome,
        typer.Option(
            "--result", "-r", parser=one_of(Outcome, "--result"), metavar=metavar(Outcome), help="the mediation outcome"
        ),
    ],
    note: Annotated[str, typer.Option(help="what was agreed or why it failed")] = "",
    actor: Annotated[str, typer.Option(help="who records it (mediator code)")] = "cli",
    attempt: Annotated[int | None, typer.Option(min=1, help=ATTEMPT_HELP)] = None,
    idempotency_key: KeyOption = None,
) -> None:
    """调解结果 Record a mediation outcome (stored once), then resume the case's flow."""
    _submit(ref, InputKind.OUTCOME, result.value, note, actor, attempt, idempotency_key)


@app.command()
@edge
def opinion(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number or id")],
    text: Annotated[str, typer.Option("--text", help="the expert's opinion")],
    expert: Annotated[str, typer.Option(help="expert code, e.g. E-05")],
    attempt: Annotated[int | None, typer.Option(min=1, help=ATTEMPT_HELP)] = None,
    idempotency_key: KeyOption = None,
) -> None:
    """专家意见 Record the expert pool's opinion for an escalated case."""
    _submit(ref, InputKind.EXPERT_OPINION, text, "", expert, attempt, idempotency_key)


@app.command("handoff-result")
@edge
def handoff_result(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number or id")],
    result: Annotated[str, typer.Option("--result", help="what the court / tribunal / agency decided")],
    actor: Annotated[str, typer.Option(help="the receiving body")] = "cli",
    attempt: Annotated[int | None, typer.Option(min=1, help=ATTEMPT_HELP)] = None,
    idempotency_key: KeyOption = None,
) -> None:
    """结果同悉 Record the receiving body's result of a handed-off case; the case closes."""
    _submit(ref, InputKind.HANDOFF_RESULT, result, "", actor, attempt, idempotency_key)


@app.command()
@edge
def intake(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="JSON lines (the channel's own payload a line) or a screening ledger .csv"
        ),
    ],
    channel: Annotated[
        Channel,
        typer.Option(
            "--channel",
            "-c",
            parser=one_of(Channel, "--channel"),
            metavar=metavar(Channel),
            help="where the records came from",
        ),
    ],
    start_flows: Annotated[
        bool, typer.Option(help="start the new cases' flow runs after accepting them (else the worker's sweep does)")
    ] = True,
    screening: Annotated[
        int | None, typer.Option(help="排查 the screening session whose ledger it is: its new cases are linked to it")
    ] = None,
) -> None:
    """登记 Import a file of channel records; one line per rejected record; exit 1 if any was rejected.

    Examples of every channel's format are in examples/. A suspected duplicate of an open case is
    registered, linked and held (no flow) until `fengqiao duplicate confirm|split` decides.
    """
    prepared()
    from fengqiao.cli.importing import import_file

    if import_file(console, file, channel, start_flows=start_flows, screening=screening).rejected:
        raise typer.Exit(1)


@app.command()
@edge
def worker() -> None:
    """工作进程 Run case flows: serve the case deployment and sweep for stalled cases until Ctrl-C."""
    s = prepared(log_file=False)
    import signal

    from fengqiao.runs.serve import start_worker_thread
    from fengqiao.runs.sweep import sweep_round

    thread, stop = start_worker_thread()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print(f"worker serving case-flow/case at {os.environ['PREFECT_API_URL']}; Ctrl-C stops")
    try:
        while thread.is_alive() and not stop.is_set():
            woken = sweep_round()
            if woken:
                console.print(f"sweep: {json.dumps(woken)}")
            stop.wait(s.sweep_seconds)
    except KeyboardInterrupt:
        stop.set()
    thread.join(timeout=30)


@app.command()
@edge
def sweep() -> None:
    """巡检 Wake every case whose stored state calls for progress but whose flow run is not moving."""
    prepared()
    from fengqiao.runs.sweep import sweep_once

    woken = sweep_once()
    console.print(json.dumps(woken) if woken else "nothing to wake")


@dup_app.callback(invoke_without_command=True)
@edge
def duplicates_list(ctx: typer.Context) -> None:
    """疑似重复 Reports held as suspected duplicates, waiting for a supervisor's decision."""
    if ctx.invoked_subcommand:
        return
    prepared()
    from rich.table import Table

    from fengqiao.models.names import reason_shown
    from fengqiao.models.times import shown
    from fengqiao.services.duplicates import suspected_duplicates
    from fengqiao.services.names import current_names

    rows, names = suspected_duplicates(), current_names()
    table = Table(title=f"疑似重复 suspected duplicates ({len(rows)})")
    for label in ("案件 case", "渠道 channel", "渠道编号 ref", "登记 received", "疑似重复 duplicate of", "理由 why"):
        table.add_column(label, no_wrap=label == "登记 received", overflow="fold")  # the reason whole, never cut
    for r in rows:
        table.add_row(
            r["case_no"],
            channel_shown(r["channel"]),
            r["channel_ref"] or "",
            shown(r["created_at"]),
            r["duplicate_of"],
            reason_shown(r["duplicate_reason"], names),
        )
    console.print(table)


def _decide(case: str, decision: str, actor: str, note: str) -> None:
    prepared()
    from fengqiao.services.duplicates import Decision, decide_duplicate

    after = decide_duplicate(case, Decision(decision), actor=actor, note=note)
    console.print(f"{after.case_no}: {after.status} ({decision})")
    if decision == Decision.SPLIT:
        from fengqiao.runs.launch import try_wake

        console.print(try_wake(after.id))


@dup_app.command("confirm")
@edge
def duplicates_confirm(
    case: Annotated[str, typer.Argument(metavar="CASE", help="the held report's case number or id")],
    actor: Annotated[str, typer.Option(help="who decides (a supervisor)")] = "supervisor",
    note: Annotated[str, typer.Option(help="why, for the timeline")] = "",
) -> None:
    """并单 Merge a suspected duplicate into its open case: the report's case is closed, linked."""
    _decide(case, "confirm", actor, note)


@dup_app.command("split")
@edge
def duplicates_split(
    case: Annotated[str, typer.Argument(metavar="CASE", help="the held report's case number or id")],
    actor: Annotated[str, typer.Option(help="who decides (a supervisor)")] = "supervisor",
    note: Annotated[str, typer.Option(help="why, for the timeline")] = "",
) -> None:
    """分立 Treat a suspected duplicate as a dispute of its own: it is triaged and its flow starts."""
    _decide(case, "split", actor, note)


@app.command()
@edge
def notices(
    pending: Annotated[bool, typer.Option("--pending", help="only results not yet acknowledged")] = False,
) -> None:
    """结果同悉 Results owed back to the channels cases came from, with every delivery attempt."""
    prepared()
    from rich.table import Table

    from fengqiao.services.result_back import notices as owed

    rows = owed(pending_only=pending)
    table = Table(title=f"结果同悉 results back to channels ({len(rows)})")
    for label in ("案件 case", "渠道 channel", "渠道编号 ref", "结果 result", "状态 status", "尝试 tries", "最近 last"):
        table.add_column(label)
    for n in rows:
        last = n["tries"][-1] if n["tries"] else None
        shown = "—" if last is None else (f"HTTP {last['status_code']}" if last["status_code"] else last["error"])
        table.add_row(
            n["body"]["case_no"],
            channel_shown(n["channel"]),
            n["body"].get("channel_ref") or "",
            bilingual(n["body"]["result"]),
            "已送达 delivered" if n["status"] == "delivered" else "待送达 pending",
            str(len(n["tries"])),
            shown,
        )
    console.print(table)


for _module in registry.modules():  # the other commands' modules: all, or the one the command line runs
    importlib.import_module(_module)


def main() -> None:  # pragma: no cover
    sys.exit(app())
