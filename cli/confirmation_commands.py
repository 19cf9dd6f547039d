"""`fengqiao judicial-confirmation CASE`: record that the parties applied for judicial confirmation (申请司法确认)."""

from datetime import datetime
from typing import Annotated

import typer

from fengqiao.cli.main import app, console, edge, prepared


@app.command("judicial-confirmation")
@edge
def judicial_confirmation(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number or id of a case closed with an agreement")],
    applied_on: Annotated[
        datetime | None, typer.Option("--on", formats=["%Y-%m-%d"], help="the day they applied (default today, CST)")
    ] = None,
    court: Annotated[
        str | None, typer.Option(help="the court applied to (default: the district's, as the paper names it)")
    ] = None,
    actor: Annotated[str, typer.Option(help="who records it")] = "cli",
) -> None:
    """申请司法确认 The parties applied to a court to confirm their agreement (stored once; counted in the figures)."""
    prepared()
    from fengqiao.services.judicial_confirmation import record_application

    case, stored, created = record_application(
        ref, actor=actor, applied_on=applied_on.date() if applied_on else None, court=court
    )
    what = "已记录 recorded" if created else "此前已记录 already recorded"
    console.print(
        f"{what}: {case.case_no} 申请司法确认 applied for judicial confirmation on {stored.applied_on} "
        f"to {stored.court} (attempt {stored.attempt})",
        highlight=False,
    )
