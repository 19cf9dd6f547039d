"""The mediator's paperwork at the command line: `session` records a sitting (调解笔录), `sessions`
lists them (masked), `agreement` records an agreement with its terms (调解协议), `documents` lists
and writes a case's papers (文书)."""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fengqiao.cli.main import KeyOption, app, cli_key, console, edge, err, prepared


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("an ISO 8601 time with its offset, e.g. 2026-11-24T10:00:00+08:00") from None


@app.command("session")
@edge
def session(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number or id of a case in mediation")],
    held_at: Annotated[
        datetime, typer.Option("--held-at", parser=_instant, help="when it was held, e.g. 2026-11-24T10:00:00+08:00")
    ],
    place: Annotated[str, typer.Option(help="where it was held")],
    attendee: Annotated[list[str], typer.Option("--attendee", help="who attended, and as what (repeat)")],
    mediator: Annotated[list[str], typer.Option("--mediator", help="a mediator who held it (repeat)")],
    content: Annotated[str, typer.Option(help="what was said and proposed")],
    actor: Annotated[str, typer.Option(help="who records it (mediator code)")] = "cli",
    attempt: Annotated[int | None, typer.Option(min=1, help="the mediation attempt (default: the current one)")] = None,
    idempotency_key: KeyOption = None,
) -> None:
    """调解笔录 Record a mediation session of the attempt under way (stored once, a timeline row)."""
    prepared()
    from fengqiao.models.session_records import SessionRecord
    from fengqiao.services.case_reads import read_case
    from fengqiao.services.session_records import record_session

    record = SessionRecord(
        attempt=attempt or read_case(ref).case.attempt,
        held_at=held_at,
        place=place,
        attendees=tuple(attendee),
        mediators=tuple(mediator),
        content=content,
        actor=actor,
    )
    done = record_session(ref, record, idempotency_key=cli_key(idempotency_key))
    what = "已记录 recorded" if done.created else "此前已记录 already recorded"
    console.print(f"{what}: {done.case.case_no} 调解笔录 session #{done.record.number}, attempt {done.record.attempt}")


@app.command("sessions")
@edge
def sessions(ref: Annotated[str, typer.Argument(metavar="CASE", help="case number or id")]) -> None:
    """调解笔录 A case's session records in order, personal data masked."""
    prepared()
    from rich.table import Table

    from fengqiao.models.clocks import CST
    from fengqiao.services.session_records import read_sessions

    case, found = read_sessions(ref)
    table = Table(title=f"{case.case_no} 调解笔录 sessions", show_lines=True)
    for column in (
        "# 次",
        "attempt 轮",
        "held 时间 (CST)",
        "place 地点",
        "attendees 参加人",
        "mediators 调解员",
        "content 内容",
    ):
        table.add_column(column)
    for s in found:
        held = s.held_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
        people = "、".join(s.attendees)
        table.add_row(str(s.number), str(s.attempt), held, s.place, people, "、".join(s.mediators), s.content)
    console.print(table)


@app.command("agreement")
@edge
def agreement(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number or id of a case waiting for its outcome")],
    terms: Annotated[str, typer.Option(help="the agreed terms as written")],
    manner: Annotated[str, typer.Option(help="how it is to be performed, e.g. 银行转账")],
    amount: Annotated[str | None, typer.Option(help="yuan, e.g. 800.00")] = None,
    perform_by: Annotated[str | None, typer.Option("--perform-by", help="the performance deadline, YYYY-MM-DD")] = None,
    oral: Annotated[bool, typer.Option("--oral", help="an oral agreement (口头协议)")] = False,
    actor: Annotated[str, typer.Option(help="who records it (mediator code)")] = "cli",
    attempt: Annotated[int | None, typer.Option(min=1, help="the attempt it ends (default: the one awaited)")] = None,
    idempotency_key: KeyOption = None,
) -> None:
    """调解协议 Record the attempt's agreement with its terms (amount, manner, deadline), then resume the flow."""
    prepared()
    from datetime import date
    from decimal import Decimal, InvalidOperation

    from fengqiao.models.agreements import AgreementTerms
    from fengqiao.runs.launch import try_wake
    from fengqiao.services.agreements import record_agreement

    try:
        money = Decimal(amount) if amount is not None else None
    except InvalidOperation:
        raise typer.BadParameter("a number of yuan, e.g. 800.00", param_hint="--amount") from None
    try:
        deadline = date.fromisoformat(perform_by) if perform_by is not None else None
    except ValueError:
        raise typer.BadParameter("a day as YYYY-MM-DD", param_hint="--perform-by") from None
    sent = AgreementTerms(0, oral, terms, manner, money, deadline)
    rec, _ = record_agreement(ref, sent, actor=actor, attempt=attempt, idempotency_key=cli_key(idempotency_key))
    what = "已记录 recorded" if rec.created else "此前已记录 already recorded"
    console.print(f"{what}: {rec.case.case_no} {rec.input.kind} #{rec.input.round} = {rec.input.value}")
    console.print(f"流程 flow run: {try_wake(rec.case.id)}", soft_wrap=True)


EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@app.command("documents")
@edge
def documents(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number or id")],
    out: Annotated[
        Path | None, typer.Option(file_okay=False, help="write the latest version of each document into this folder")
    ] = None,
) -> None:
    """文书 A case's documents (its papers made anew where its record changed); --out writes them as files."""
    prepared()
    from rich.table import Table

    from fengqiao.models.papers import ORDER
    from fengqiao.models.times import shown
    from fengqiao.services.documents import list_documents, read_document

    case, found = list_documents(ref)
    table = Table(title=f"{case.case_no} 文书 documents")
    for column in ("id", "文书 document", "subject", "v", "origin", "bytes", "sha256", "made 时间"):
        table.add_column(column)
    for d in found:
        row = (str(d.id), d.title, d.subject, str(d.version), d.origin, str(d.size), d.sha256[:16], shown(d.created_at))
        table.add_row(*row)
    console.print(table)
    if out is None:
        return
    out.mkdir(parents=True, exist_ok=True)
    latest = {(d.kind, d.subject): d for d in found}  # oldest first: the last of each is its latest version
    for i, d in enumerate(sorted(latest.values(), key=lambda d: (ORDER.index(d.kind), d.subject)), 1):
        _, content = read_document(case.case_no, d.id)
        name = f"{i:02d}-{d.kind}-{d.subject.replace(':', '')}-v{d.version}.{EXTENSIONS[d.media_type]}"
        (out / name).write_bytes(content)
        console.print(f"已写出 written: {out / name} ({d.size} bytes)", soft_wrap=True)


@app.command("case-file")
@edge
def case_file(
    ref: Annotated[str, typer.Argument(metavar="CASE", help="case number or id")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="the PDF to write, e.g. FQ20260000001.pdf")],
    masked: Annotated[bool, typer.Option("--masked", help="personal data masked, signed copies withheld")] = False,
) -> None:
    """卷宗 Write the case file: cover, index (卷内目录) and every paper, the latest version of each."""
    if out.suffix.lower() != ".pdf":  # checked before the file is made: it is a PDF whatever the name says
        said = f"--out: {str(out)!r} 卷宗是 PDF 文件，请以 .pdf 结尾 the case file is a PDF: name it ….pdf"
        err.print(f"[red]invalid_input:[/] {escape(said)}", soft_wrap=True, highlight=False)
        raise typer.Exit(2)
    prepared()
    from fengqiao.services.case_file import case_file_pdf

    pdf = case_file_pdf(ref, unmask=not masked)
    out.write_bytes(pdf)
    console.print(f"已写出 written: {out} ({len(pdf)} bytes)", soft_wrap=True)
