"""`fengqiao audit verify` and `fengqiao audit digest`: the hash chains of the timeline and access log."""

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fengqiao.cli.main import app, console, edge, err, prepared
from fengqiao.models.errors import CaseNotFound, ConfigurationError, InvalidInput

if TYPE_CHECKING:
    from fengqiao.services.evidence import Verification

audit_app = typer.Typer(
    help="审计 evidence: verify the hash chains of each case's timeline and access log; the daily digest.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
@edge
def audit_verify(
    case: Annotated[
        str | None, typer.Option(help="一个案件 one case (number or id); default every case; none such exits 2")
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            help="only the cases with a row recorded from this day on (China time), each case's chains verified "
            "whole from seq 1; chosen by when the database recorded the row (its own clock on PostgreSQL, set by "
            "a trigger the application cannot disable), never by the row's `at`, which a writer chooses; a day "
            "still to come exits 2 / 只核验自该日(北京时间)起有记录的案件",
            formats=["%Y-%m-%d"],
        ),
    ] = None,
    digest: Annotated[
        Path | None,
        typer.Option(
            help="a digest file (chain-digest-….jsonl): its heads must still be in the database, and every chain "
            "begun a minute or more before it must be in it; a malformed file exits 2 / "
            "摘要文件: 其链头须仍在数据库中, 摘要前已开始的链须在其中; 格式不符退出码 2"
        ),
    ] = None,
) -> None:
    """核验 Recompute the chains; print each chain's first broken link (case, seq, what differs).

    退出码 Exit codes: 0 完好 intact; 1 断链 a broken chain found; 2 输入有误 bad input (a --since that is no
    day or a day still to come, a digest file that cannot be used, no such case); 3 意外错误 any other error
    (one line, never a traceback).
    """
    prepared()
    from fengqiao.models.evidence import Chain

    try:
        found = _verified(case, since, digest)
    except (InvalidInput, CaseNotFound, ConfigurationError) as exc:
        err.print(f"[red]{exc.code}:[/] {exc.message}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    except Exception as exc:  # noqa: BLE001 - the edge: one line and its own code, told apart from a broken chain
        shown = str(exc).splitlines()[0] if str(exc) else ""
        err.print(f"[red]意外错误 unexpected error:[/] {type(exc).__name__}: {shown}", soft_wrap=True, highlight=False)
        raise typer.Exit(3) from None
    for broken in found.breaks:
        console.print(f"[red]断链 broken:[/] {broken}", soft_wrap=True, highlight=False)
    held = f"; {found.digest_heads} heads of {digest.name} held" if digest else ""
    rows = f"{found.rows[Chain.TIMELINE]} transitions, {found.rows[Chain.ACCESS]} access-log rows"
    verdict = "[green]完好 intact[/]" if found.intact else f"[red]{len(found.breaks)} 处断链 broken[/]"
    console.print(f"核验 verified {found.cases} cases: {rows}{held}: {verdict}", soft_wrap=True, highlight=False)
    if digest:  # the file's root proves only that the file is whole: the receiver's copy proves it is the one sent
        console.print(
            f"摘要根 digest root {found.digest_root}: 请与接收方留存的核对 compare it with the receiver's copy",
            soft_wrap=True,
            highlight=False,
        )
    if not found.intact:
        raise typer.Exit(1)


def _verified(case: str | None, since: datetime | None, digest: Path | None) -> "Verification":
    """The verification, a --since day still to come refused first (it would choose no case and say intact)."""
    from fengqiao.models.clocks import CST
    from fengqiao.services.evidence import verify
    from fengqiao.services.runtime import now

    if since is not None and since.date() > now().astimezone(CST).date():
        raise InvalidInput(f"--since {since:%Y-%m-%d} 不能晚于今天 is a day still to come (China time)", field="since")
    return verify(case=case, since=since.date() if since else None, digest=digest)


@audit_app.command("digest")
@edge
def audit_digest() -> None:
    """摘要 Run the daily chain digest once: write the heads' file, post its root to FENGQIAO_AUDIT_DIGEST_WEBHOOK."""
    prepared()
    from fengqiao.flows.chain_digest import chain_digest
    from fengqiao.runs.deployments import start_embedded_prefect

    start_embedded_prefect()  # a no-op against a Prefect server
    console.print(json.dumps(chain_digest(), ensure_ascii=False), soft_wrap=True, highlight=False)
