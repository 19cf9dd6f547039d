"""What the CLI shows people: tables with Chinese labels beside English, personal data masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table

from fengqiao.models.case import Case, Wait
from fengqiao.models.names import RISKS_ZH, dispute_type, reason_shown, rule_shown, step_shown
from fengqiao.models.parking import Parked
from fengqiao.models.times import shown
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import LABELS_ZH, Channel, bilingual, channel_shown

# The services are imported by the view that calls them: `fengqiao cases` loads the list's reads, not a
# case's timeline, follow-up and clocks (the command line starts fast: tests/test_cli_startup.py).


@dataclass(frozen=True)
class CaseView:
    case: Case
    timeline: list[Transition]
    parties: list[dict[str, str]]
    flow_run_id: str | None
    flow_run_open: bool
    duplicate_of: str | None = None
    parked: Parked | None = None  # set aside after failed runs, until `fengqiao case retry`
    waiting: Wait | None = None  # the answer it waits for, and its round (an answer's --attempt)


def load_case_view(ref: str) -> CaseView:
    """One case as people may see it: parties masked, and the timeline's reasons and notes (as the API's)."""
    from fengqiao.services.case_reads import read_case, read_timeline

    read = read_case(ref)  # the operator's own reads: masked, and no key to log
    timeline = read_timeline(read.case.case_no)
    return CaseView(
        read.case,
        timeline,
        read.parties,
        read.row.flow_run_id,
        read.flow_run_open,
        read.duplicate_of,
        read.parked,
        waiting=read.waiting,
    )


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
        "duplicate_of": view.duplicate_of,
        "duplicate_state": c.duplicate_state,
        "test": c.test,
        "waiting_for": {"input": view.waiting.kind, "attempt": view.waiting.round} if view.waiting else None,
        "parked": (
            {"at": view.parked.at.isoformat(), "failures": view.parked.failures, "error": view.parked.error}
            if view.parked
            else None
        ),
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
                "note": t.note,
            }
            for t in view.timeline
        ],
    }


def _confirmation(confirm_by: date | None) -> str:
    """The judicial-confirmation window, or why there is none: an oral agreement is not confirmed (Art. 30, 33)."""
    if confirm_by is None:
        return "司法确认 不适用（口头协议） judicial confirmation: not for an oral agreement"
    return f"司法确认 confirm by {confirm_by}"


def _moved(before: str | None, after: str) -> str:
    """`已受理 → 已分流 triaged`, as the case page shows it; intake's row comes from nothing: `— → 已受理 received`."""
    return f"{LABELS_ZH.get(before, before) if before else '—'} → {bilingual(after)}"


def show_case(console: Console, ref: str) -> None:
    from fengqiao.services.follow_up import aftercare_for
    from fengqiao.services.names import current_names

    view = load_case_view(ref)
    case = view.case
    names = current_names()
    head = Table.grid(padding=(0, 2))
    parties = "; ".join(" ".join(v for v in p.values() if v) for p in view.parties)
    for label, value in (
        ("案号 case", f"{case.case_no} (id {case.id})" + (" [bold]测试案件 test case[/]" if case.test else "")),
        ("状态 status", bilingual(case.status)),
        ("渠道 channel", channel_shown(case.channel)),
        ("类型 type", dispute_type(case.dispute_type or case.declared_type)),
        ("风险 risk", f"{RISKS_ZH[case.risk]} {case.risk}"),
        ("属地 area", names.place(case.area_code)),
        ("承办 org / mediator", f"{names.org(case.org_code)} / {names.mediator(case.mediator)}"),
        ("移交 handoff", bilingual(case.handoff_target) if case.handoff_target else "—"),
        ("流程 flow run", f"{view.flow_run_id or '—'}{' (open)' if view.flow_run_open else ''}"),
        ("等待 waiting for", f"{step_shown(f'waiting:{w.kind}')} --attempt {w.round}" if (w := view.waiting) else "—"),
        ("当事人 parties", parties or "—"),
        *([("并单 duplicate of", f"{view.duplicate_of} ({case.duplicate_state})")] if view.duplicate_of else []),
        *(
            [
                (
                    "[red]暂停 parked[/]",
                    f"{shown(p.at)}, after {p.failures} failed runs: {p.error}; "
                    f"`fengqiao case retry {case.case_no} --reason …` starts it again",
                )
            ]
            if (p := view.parked)
            else []
        ),
        *(
            [("协议后 after agreement", f"{_confirmation(care.confirm_by)}; 回访 visit on {care.visit_on}")]
            if (care := aftercare_for(case.case_no))
            else []
        ),
    ):
        head.add_row(f"[bold]{label}[/]", value)
    console.print(head)
    table = Table(title="流转记录 timeline")
    columns = (
        "#",
        "时间 at",
        "状态 status",
        "环节 stage",
        "机构 org",
        "经办 actor",
        "原因 reason",
        "规则 rule",
        "备注 note",
    )
    rows = [
        (
            str(t.seq),
            shown(t.at),
            _moved(t.from_status, t.to_status),
            bilingual(t.stage),
            names.org(t.org) if t.org else "",
            names.mediator(t.actor),  # `卫红 M-C01`; system and people's own names as they are
            reason_shown(t.reason, names),
            rule_shown(t.rule),
            t.note,
        )
        for t in view.timeline
    ]
    # a column no row fills (rule, note) gives its width to the reasons; a time is never split over two lines
    kept = [i for i, col in enumerate(columns) if i < 7 or any(row[i] for row in rows)]
    for i in kept:
        table.add_column(columns[i], no_wrap=columns[i] == "时间 at")
    for row in rows:
        table.add_row(*(row[i] for i in kept))
    console.print(table)


def show_cases(console: Console, *, status: str | None, channel: Channel | None, area: str | None, limit: int) -> None:
    from fengqiao.db.queries import CaseFilter
    from fengqiao.services.case_reads import list_cases
    from fengqiao.services.names import current_names

    rows = list_cases(CaseFilter(status=status, channel=channel, area=area), limit=limit).rows
    names = current_names()
    table = Table(title=f"案件 cases ({len(rows)})")
    for col in ("案号 case", "状态 status", "渠道 channel", "类型 type", "属地 area", "机构 org", "更新 updated"):
        table.add_column(col, no_wrap=col == "更新 updated")
    for r in rows:
        table.add_row(
            f"{r.case_no} 测试 test" if r.test else r.case_no,
            bilingual(r.status),
            channel_shown(r.channel),
            dispute_type(r.dispute_type),
            names.place(r.area_code),
            names.org(r.org_code),
            shown(r.updated_at),
        )
    console.print(table)
