"""`fengqiao clock …` and `fengqiao deadlines`: statutory clocks of mediating cases."""

import json
from datetime import date, datetime
from typing import Annotated

import typer
from rich.table import Table

from fengqiao.cli.choices import metavar, one_of
from fengqiao.cli.main import KeyOption, app, cli_key, console, edge, prepared
from fengqiao.models.aftercare import IfBroken
from fengqiao.models.clocks import PauseReason

clock_app = typer.Typer(help="时限 a mediating case's clock: pause with a reason, resume, extend by consent.")
app.add_typer(clock_app, name="clock")
CaseArg = Annotated[str, typer.Argument(metavar="CASE", help="case number or id")]


def _show(ref: str, change: str, **kwargs: object) -> None:
    prepared()
    from fengqiao.services.clocks import ClockChange, change_clock

    case, record, clock = change_clock(ref, ClockChange(change), **kwargs)  # type: ignore[arg-type]
    due = "paused 已中止" if clock is None or clock.due is None else f"due 到期 {clock.due}"
    console.print(f"{case.case_no}: {record.reason}; {due}")


@clock_app.command("pause")
@edge
def clock_pause(
    case: CaseArg,
    reason: Annotated[
        PauseReason,
        typer.Option(parser=one_of(PauseReason, "--reason"), metavar=metavar(PauseReason), help="why the clock stops"),
    ],
    actor: Annotated[str, typer.Option(help="who")] = "mediator",
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """中止 Stop the clock (appraisal time, for instance, is not counted)."""
    _show(case, "pause", actor=actor, reason=reason, note=note)


@clock_app.command("resume")
@edge
def clock_resume(case: CaseArg, actor: Annotated[str, typer.Option(help="who")] = "mediator") -> None:
    """恢复 Start the clock again; the paused days are added to the deadline."""
    _show(case, "resume", actor=actor)


@clock_app.command("extend")
@edge
def clock_extend(
    case: CaseArg,
    days: Annotated[int, typer.Option(help="days to add, in the rung's unit")],
    both_parties_consent: Annotated[
        bool, typer.Option("--both-parties-consent", help="both parties agreed to the extension (required)")
    ] = False,
    actor: Annotated[str, typer.Option(help="who")] = "mediator",
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """延长 Extend the deadline with both parties' consent."""
    _show(case, "extend", actor=actor, days=days, both_parties_consent=both_parties_consent, note=note)


@app.command()
@edge
def deadlines(
    run: Annotated[bool, typer.Option("--run", help="run the deadline sweep once (warn, escalate overdue)")] = False,
    today: Annotated[
        datetime | None, typer.Option(help="the day to judge by (default today, China time)", formats=["%Y-%m-%d"])
    ] = None,
) -> None:
    """期限 Mediating cases by their deadline; --run warns and moves overdue cases on, as the daily flow does."""
    prepared()
    from fengqiao.models.clocks import CST
    from fengqiao.services.clocks import deadlines as all_deadlines
    from fengqiao.services.names import current_names
    from fengqiao.services.runtime import now

    day: date = today.date() if today else now().astimezone(CST).date()
    if run:
        from fengqiao.flows.deadlines import deadline_sweep
        from fengqiao.runs.deployments import start_embedded_prefect

        start_embedded_prefect()  # a no-op against a Prefect server
        console.print(json.dumps(deadline_sweep(day), ensure_ascii=False))
        return
    table = Table(title=f"期限 deadlines as of {day}")
    names = current_names()
    for label in ("案件 case", "机构 org", "调解员 mediator", "起算 started", "期限 limit", "到期 due", "剩余 left"):
        table.add_column(label)
    for d in all_deadlines(day):
        c = d.clock
        unit = "工作日 working days" if c.working else "日 days"
        left = "中止 paused" if d.days_left is None else str(d.days_left)
        style = ""
        if d.days_left is not None:
            style = "red" if d.days_left < 0 else ("yellow" if d.days_left <= 3 else "")
        table.add_row(
            d.case_no,
            names.org(d.org),
            names.mediator(d.mediator),
            str(c.started),
            f"{c.limit + c.extended} {unit}",
            str(c.due or "—"),
            f"[{style}]{left}[/]" if style else left,
        )
    console.print(table)


@app.command("follow-up")
@edge
def follow_up(
    case: CaseArg,
    honoured: Annotated[bool, typer.Option("--honoured/--not-honoured", help="is the agreement being kept?")],
    satisfaction: Annotated[int, typer.Option(help="the parties' satisfaction, 1 to 5")],
    if_broken: Annotated[
        IfBroken,
        typer.Option(
            parser=one_of(IfBroken, "--if-broken"),
            metavar=metavar(IfBroken),
            help="mediate again, or hand off, when not honoured",
        ),
    ] = IfBroken.REOPEN,
    actor: Annotated[str, typer.Option(help="who visited")] = "mediator",
    attempt: Annotated[int | None, typer.Option(min=1, help="the round visited (as `case` shows it)")] = None,
    idempotency_key: KeyOption = None,
) -> None:
    """回访 Record a follow-up visit after an agreement; a broken agreement re-opens mediation or hands off."""
    prepared()
    from fengqiao.services.follow_up import record_follow_up

    after, created = record_follow_up(
        case,
        honoured=honoured,
        satisfaction=satisfaction,
        if_broken=if_broken,
        actor=actor,
        attempt=attempt,
        idempotency_key=cli_key(idempotency_key),
    )
    console.print(f"{after.case_no}: {after.status}" + ("" if created else " (already recorded)"))
    if created and not honoured:
        from fengqiao.runs.launch import try_wake

        console.print(try_wake(after.id))
