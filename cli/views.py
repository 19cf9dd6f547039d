"""What the CLI shows people: tables with Chinese labels beside English, personal data masked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from channels.record import parse_record
from db import queries
from db import repository as repo
from db.uow import UnitOfWork
from models.case import Case
from models.errors import FengqiaoError, InvalidInput
from models.privacy import mask_id_number, mask_name, mask_phone
from models.transitions import Transition
from models.vocabulary import Channel, bilingual
from tasks.context import engine


@dataclass(frozen=True)
class CaseView:
    case: Case
    timeline: list[Transition]
    parties: list[dict[str, str]]
    flow_run_id: str | None
    flow_run_open: bool


def load_case_view(ref: str) -> CaseView:
    """One case as people may see it: parties masked."""
    with UnitOfWork(engine()) as uow:
        case = repo.find_case(uow.conn, ref)
        timeline = queries.timeline(uow.conn, case.id)
        people = [
            {
                "role": p["role"] or "",
                "name": mask_name(p["name"]),
                "id_number": mask_id_number(p["id_number"]),
                "phone": mask_phone(p["phone"]),
            }
            for p in queries.parties_of(uow.conn, case.id)
        ]
        flow_run_id, run_open = repo.case_flow_run(uow.conn, case.id)
    return CaseView(case, timeline, people, flow_run_id, run_open)


def case_as_json(ref: str) -> dict[str, Any]:
    view = load_case_view(ref)
    c = view.case
    return {
        "case_id": c.id,
        "case_no": c.case_no,
        "status": c.status,
        "channel": c.channel,
        "dispute_type": c.dispute_type,
        "risk": c.risk,
        "area_code": c.area_code,
        "org": c.org_code,
        "mediator": c.mediator,
        "handoff_target": c.handoff_target,
        "flow_run_id": view.flow_run_id,
        "parties": view.parties,
        "timeline": [
            {
                "seq": t.seq,
                "at": t.at.isoformat(),
                "from_status": t.from_status,
                "to_status": t.to_status,
                "stage": t.stage,
                "actor": t.actor,
                "reason": t.reason,
                "org": t.org,
                "rule": t.rule,
            }
            for t in view.timeline
        ],
    }


def show_case(console: Console, ref: str) -> None:
    view = load_case_view(ref)
    case = view.case
    head = Table.grid(padding=(0, 2))
    parties = "; ".join(" ".join(v for v in p.values() if v) for p in view.parties)
    for label, value in (
        ("案号 case", f"{case.case_no} (id {case.id})"),
        ("状态 status", bilingual(case.status)),
        ("渠道 channel", bilingual(case.channel)),
        ("类型 type", case.dispute_type or case.declared_type or "—"),
        ("风险 risk", case.risk),
        ("属地 area", case.area_code),
        ("承办 org / mediator", f"{case.org_code or '—'} / {case.mediator or '—'}"),
        ("移交 handoff", bilingual(case.handoff_target) if case.handoff_target else "—"),
        ("流程 flow run", f"{view.flow_run_id or '—'}{' (open)' if view.flow_run_open else ''}"),
        ("当事人 parties", parties or "—"),
    ):
        head.add_row(f"[bold]{label}[/]", value)
    console.print(head)
    table = Table(title="流转记录 timeline")
    columns = (
        "#",
        "时间 at (UTC)",
        "从 from",
        "到 to",
        "环节 stage",
        "机构 org",
        "经办 actor",
        "原因 reason",
        "规则 rule",
    )
    for col in columns:
        table.add_column(col)
    for t in view.timeline:
        at = f"{t.at:%Y-%m-%d %H:%M:%S}"
        table.add_row(
            str(t.seq),
            at,
            t.from_status or "—",
            t.to_status,
            bilingual(t.stage),
            t.org or "",
            t.actor,
            t.reason,
            t.rule or "",
        )
    console.print(table)


def show_cases(console: Console, *, status: str | None, channel: Channel | None, area: str | None, limit: int) -> None:
    with UnitOfWork(engine()) as uow:
        rows = queries.list_cases(uow.conn, status=status, channel=channel, area=area, limit=limit)
    table = Table(title=f"案件 cases ({len(rows)})")
    for col in ("案号 case", "状态 status", "渠道 channel", "类型 type", "属地 area", "机构 org", "更新 updated (UTC)"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.case_no,
            bilingual(r.status),
            bilingual(r.channel),
            r.dispute_type or "—",
            r.area_code,
            r.org_code or "—",
            f"{r.updated_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


def import_records(console: Console, err: Console, file: Path, channel: Channel, *, start_flows: bool) -> int:
    """Each line is one record, registered in its own transaction; a bad line writes nothing."""
    from flows.launch import start_case_flow
    from tasks.intake import register_case

    lines = file.read_text(encoding="utf-8").splitlines()
    created = duplicates = rejected = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("登记 intake", total=len(lines))
        for n, line in enumerate(lines, 1):
            progress.advance(bar)
            if not line.strip():
                continue
            record = f"{file.name}:{n}"
            try:
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidInput(f"not JSON: {exc.msg}", record=record, field="(line)") from None
                case, new = register_case(parse_record(channel, data, record=record), record=record)
            except FengqiaoError as exc:
                rejected += 1
                progress.console.print(f"[red]rejected 拒收[/] {exc.message}", highlight=False, soft_wrap=True)
                continue
            if new:
                created += 1
                if start_flows:
                    start_case_flow(case)
            else:
                duplicates += 1
    console.print(f"登记 {created} new, {duplicates} already registered, {rejected} rejected")
    return rejected
