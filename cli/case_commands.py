"""`fengqiao case retry CASE`: release a parked case (models.parking) and start its flow again."""

import getpass
from typing import Annotated

import typer

from fengqiao.cli.main import case_app, console, edge, prepared


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container): still say it came from the CLI
        return "cli"


@case_app.command("retry")
@edge
def case_retry(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number (FQ…) or id of a parked case")],
    reason: Annotated[str, typer.Option("--reason", help="why it is retried now (what was fixed), for the audit")],
    actor: Annotated[str | None, typer.Option(help="who retries it; default cli:<login name>")] = None,
) -> None:
    """重试 Retry a parked case: its failure count is cleared, who and why recorded, its flow run started."""
    prepared()
    from fengqiao.runs.launch import try_wake
    from fengqiao.services.parking import retry_case

    case, released = retry_case(ref, actor=actor or _operator(), reason=reason)
    console.print(
        f"已恢复 retried: {case.case_no} (parked after {released.failures} failed runs: {released.error})",
        soft_wrap=True,
    )
    console.print(f"流程 flow run: {try_wake(case.id)}", soft_wrap=True)
