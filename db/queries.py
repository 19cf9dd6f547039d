"""Read side: timelines, lists and counts for people to look at. Never used to decide a step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, false, func, or_, select

from fengqiao.db.tables import cases, human_inputs, intake_records, organisations, parties, transitions
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Level, Stage, Status


def timeline(conn: Connection, case_id: int) -> list[Transition]:
    rows = conn.execute(select(transitions).where(transitions.c.case_id == case_id).order_by(transitions.c.seq)).all()
    return [_transition(r) for r in rows]


def timelines(conn: Connection, case_ids: list[int]) -> dict[int, list[Transition]]:
    """Several cases' timelines in one statement, each in order."""
    found: dict[int, list[Transition]] = {i: [] for i in case_ids}
    if not case_ids:
        return found
    q = select(transitions).where(transitions.c.case_id.in_(case_ids))
    for r in conn.execute(q.order_by(transitions.c.case_id, transitions.c.seq)):
        found[r.case_id].append(_transition(r))
    return found


def _transition(r: Any) -> Transition:
    return Transition(
        seq=r.seq,
        at=r.at,
        from_status=Status(r.from_status) if r.from_status else None,
        to_status=Status(r.to_status),
        stage=Stage(r.stage),
        actor=r.actor,
        reason=r.reason,
        org=r.org_code,
        rule=r.rule,
        note=r.note or "",
    )


def levels_of(conn: Connection, org_codes: list[str]) -> list[Level]:
    if not org_codes:
        return []
    found: dict[str, str] = {
        r.code: r.level
        for r in conn.execute(
            select(organisations.c.code, organisations.c.level).where(organisations.c.code.in_(org_codes))
        )
    }
    return [Level(found[c]) for c in org_codes if c in found]


@dataclass(frozen=True)
class CaseRow:
    id: int
    case_no: str
    status: str
    channel: str
    dispute_type: str | None
    area_code: str
    org_code: str | None
    mediator_code: str | None
    risk: str
    created_at: datetime
    updated_at: datetime
    flow_run_id: str | None
    test: bool  # sent with a test key: runs its course, counted nowhere, no result back


@dataclass(frozen=True)
class CaseFilter:
    """What a list asks for, and the jurisdiction it is confined to (None: everywhere)."""

    status: str | None = None
    channel: str | None = None
    area: str | None = None
    dispute_type: str | None = None
    risk: str | None = None
    within_areas: tuple[str, ...] | None = None  # area-code prefixes of the caller's jurisdiction
    within_orgs: tuple[str, ...] = ()  # organisations of the caller's jurisdiction
    created_from: datetime | None = None  # registered at or after
    created_to: datetime | None = None  # registered at or before

    def apply(self, q: Select[Any]) -> Select[Any]:
        for column, value in (
            (cases.c.status, self.status),
            (cases.c.channel, self.channel),
            (cases.c.dispute_type, self.dispute_type),
            (cases.c.risk, self.risk),
        ):
            if value:
                q = q.where(column == value)
        if self.area:
            q = q.where(cases.c.area_code.startswith(self.area, autoescape=True))
        if self.created_from:
            q = q.where(cases.c.created_at >= self.created_from)
        if self.created_to:
            q = q.where(cases.c.created_at <= self.created_to)
        if self.within_areas is not None:
            allowed = [cases.c.area_code.startswith(a, autoescape=True) for a in self.within_areas]
            if self.within_orgs:
                allowed.append(cases.c.org_code.in_(self.within_orgs))
            q = q.where(or_(*allowed) if allowed else false())
        return q


def list_cases(
    conn: Connection,
    *,
    status: str | None = None,
    channel: str | None = None,
    area: str | None = None,
    limit: int = 50,
    offset: int = 0,
    where: CaseFilter | None = None,
) -> list[CaseRow]:
    where = where or CaseFilter(status=status, channel=channel, area=area)
    q = where.apply(select(*(cases.c[f] for f in CaseRow.__dataclass_fields__)))
    return [CaseRow(**r._mapping) for r in conn.execute(q.order_by(cases.c.id.desc()).limit(limit).offset(offset))]


def case_row(conn: Connection, case_id: int) -> CaseRow:
    row = conn.execute(select(*(cases.c[f] for f in CaseRow.__dataclass_fields__)).where(cases.c.id == case_id)).one()
    return CaseRow(**row._mapping)


def count_cases(conn: Connection, where: CaseFilter) -> int:
    return int(conn.scalar(where.apply(select(func.count()).select_from(cases))) or 0)


def parties_of(conn: Connection, case_id: int) -> list[dict[str, str | None]]:
    rows = conn.execute(select(parties).where(parties.c.case_id == case_id).order_by(parties.c.id)).all()
    return [{"role": r.role, "name": r.name, "id_number": r.id_number, "phone": r.phone} for r in rows]


def replayable_cases(
    conn: Connection, *, since: datetime, until: datetime, within: CaseFilter | None = None
) -> list[dict[str, Any]]:
    """Cases registered in [since, until) with the answers people gave, in the order given (for what-if);
    within: the jurisdiction the caller sees (its within_areas and within_orgs), as for a case list."""
    q = select(
        cases.c.id,
        cases.c.case_no,
        cases.c.config_version,
        cases.c.declared_type,
        cases.c.summary,
        cases.c.people_involved,
    ).where(
        cases.c.created_at >= since,
        cases.c.created_at < until,
        cases.c.duplicate_state.is_(None),
        cases.c.test.is_(false()),  # a test key's cases are no evidence for a configuration
    )
    if within is not None:
        q = CaseFilter(within_areas=within.within_areas, within_orgs=within.within_orgs).apply(q)
    rows = conn.execute(q.order_by(cases.c.id)).all()
    found = {r.id: dict(r._mapping) | {"answers": [], "repeated": False} for r in rows}
    if not found:
        return []
    answers = conn.execute(
        select(human_inputs.c.case_id, human_inputs.c.value)
        .where(human_inputs.c.case_id.in_(found), human_inputs.c.kind.in_(("outcome", "exit")))
        .order_by(human_inputs.c.received_at, human_inputs.c.id)
    ).all()
    for a in answers:
        found[a.case_id]["answers"].append(a.value)
    raised = conn.execute(
        select(transitions.c.case_id).where(
            transitions.c.case_id.in_(found), transitions.c.rule.like("emergency:repeated_reports%")
        )
    ).all()
    for r in raised:
        found[r.case_id]["repeated"] = True
    return list(found.values())


def duplicates_of(conn: Connection, case_id: int, duplicate_of: int | None) -> list[dict[str, Any]]:
    """Reports linked to this case, and the case this one repeats: number, state and why."""
    q = select(
        cases.c.id,
        cases.c.case_no,
        cases.c.area_code,
        cases.c.org_code,
        cases.c.duplicate_of,
        cases.c.duplicate_state,
        cases.c.duplicate_reason,
    )
    ids = [case_id] + ([duplicate_of] if duplicate_of else [])
    rows = conn.execute(q.where(or_(cases.c.duplicate_of == case_id, cases.c.id.in_(ids))).order_by(cases.c.id))
    return [dict(r._mapping) for r in rows if r.id != case_id or r.duplicate_of]


def documents_of(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """Documents and attachments the channel's record referred to (references only, never contents)."""
    payload = conn.scalar(select(intake_records.c.payload).where(intake_records.c.case_id == case_id)) or {}
    found = [*payload.get("documents", []), *payload.get("attachments", [])]
    return [d for d in found if isinstance(d, dict)]


def case_numbers(conn: Connection, case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    return {r.id: r.case_no for r in conn.execute(select(cases.c.id, cases.c.case_no).where(cases.c.id.in_(case_ids)))}
