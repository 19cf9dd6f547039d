"""Screening sessions (矛盾纠纷排查) and the cases registered from them: stored, listed, counted."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, false, func, insert, or_, select, true

from fengqiao.db.judicial_confirmations import _in_scope as cases_in_scope
from fengqiao.db.tables import cases, screening_cases, screenings
from fengqiao.db.tallies import Scope
from fengqiao.models.clocks import CST
from fengqiao.models.errors import CaseNotFound, InvalidInput
from fengqiao.models.screening import Screening, ScreeningFigures


@dataclass(frozen=True)
class Within:
    """Which sessions a question covers: held between two days, swept in these areas or by these organisations."""

    held_from: date | None = None
    held_to: date | None = None
    areas: tuple[str, ...] | None = None  # None: everywhere
    orgs: tuple[str, ...] = ()

    def where(self) -> Any:
        conds = []
        if self.held_from:
            conds.append(screenings.c.held_on >= self.held_from)
        if self.held_to:
            conds.append(screenings.c.held_on <= self.held_to)
        if self.areas is not None:
            inside = [screenings.c.area_code.startswith(a, autoescape=True) for a in self.areas]
            inside += [screenings.c.org_code.in_(self.orgs)] if self.orgs else []
            conds.append(or_(*inside) if inside else false())
        return and_(true(), *conds)


def add_screening(conn: Connection, s: Screening, *, at: datetime) -> Screening:
    """Store a session and link its cases; a case number that is unknown or already linked is refused,
    and so is a case registered in an earlier month: 登记为案件 counts a case in the month it was
    registered, and a month gone by keeps the figures it was published with."""
    ids = []
    this_month = at.astimezone(CST).strftime("%Y-%m")
    for no in s.cases:
        row = conn.execute(
            select(cases.c.id, cases.c.created_at, screening_cases.c.screening_id)
            .select_from(cases.outerjoin(screening_cases, screening_cases.c.case_id == cases.c.id))
            .where(cases.c.case_no == no)
        ).first()
        if row is None:
            raise CaseNotFound(f"没有案件 no case {no!r}", field="cases")
        if row.screening_id is not None:
            raise InvalidInput(
                f"案件 {no} 已关联排查 {row.screening_id} case {no} is already linked to screening {row.screening_id}",
                field="cases",
            )
        registered = row.created_at.astimezone(CST).strftime("%Y-%m")
        if registered != this_month:
            raise InvalidInput(
                f"案件 {no} 登记于 {registered}，该月统计已发布，不能再关联 case {no} was registered in {registered}; "
                f"a month gone by keeps its published figures: link only a case registered this month ({this_month})",
                field="cases",
            )
        ids.append(row.id)
    new_id = conn.execute(
        insert(screenings)
        .values(
            held_on=s.held_on,
            area_code=s.area_code,
            org_code=s.org_code,
            place=s.place,
            screened_by=s.screened_by,
            disputes_found=s.disputes_found,
            disputes_prevented=s.disputes_prevented,
            note=s.note,
            actor=s.actor,
            recorded_at=at,
        )
        .returning(screenings.c.id)
    ).scalar_one()
    if ids:
        rows = [{"screening_id": new_id, "case_id": i, "screened_on": s.held_on} for i in ids]
        conn.execute(insert(screening_cases), rows)
    return replace(s, id=int(new_id))


def latest_held_on(conn: Connection, within: Within) -> date | None:
    """The day of the latest session the question covers (None: none)."""
    held: date | None = conn.execute(select(func.max(screenings.c.held_on)).where(within.where())).scalar_one()
    return held


def list_screenings(conn: Connection, within: Within) -> list[Screening]:
    """The sessions, latest first, each with its linked case numbers."""
    rows = conn.execute(
        select(screenings).where(within.where()).order_by(screenings.c.held_on.desc(), screenings.c.id.desc())
    ).all()
    linked: dict[int, list[str]] = {}
    if rows:
        pairs = conn.execute(
            select(screening_cases.c.screening_id, cases.c.case_no)
            .join(cases, cases.c.id == screening_cases.c.case_id)
            .where(screening_cases.c.screening_id.in_([r.id for r in rows]))
            .order_by(cases.c.case_no)
        ).all()
        for p in pairs:
            linked.setdefault(p.screening_id, []).append(p.case_no)
    return [
        Screening(
            held_on=r.held_on,
            area_code=r.area_code,
            place=r.place,
            screened_by=r.screened_by,
            disputes_found=r.disputes_found,
            disputes_prevented=r.disputes_prevented,
            org_code=r.org_code,
            note=r.note,
            cases=tuple(linked.get(r.id, ())),
            actor=r.actor,
            id=r.id,
        )
        for r in rows
    ]


def screening_figures(conn: Connection, within: Within, registered_in: Scope) -> ScreeningFigures:
    """Sessions, disputes found and prevented by the day held and the area swept; the cases registered
    from them as 受理 counts them (registered_in: their registration month and where they arose), so
    a ledger imported later never changes an earlier month."""
    sessions, found, prevented = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(screenings.c.disputes_found), 0),
            func.coalesce(func.sum(screenings.c.disputes_prevented), 0),
        ).where(within.where())
    ).one()
    registered = conn.scalar(
        select(func.count())
        .select_from(screening_cases.join(cases, cases.c.id == screening_cases.c.case_id))
        .where(cases_in_scope(registered_in))
    )
    return ScreeningFigures(int(sessions), int(found), int(prevented), int(registered or 0))


def link_cases(conn: Connection, screening_id: int, linked_cases: list[tuple[int, date | None]]) -> int:
    """Link cases registered from a session's ledger to it, each with the ledger's 排查日期 (else the
    session's day); the linked cases stay at most the disputes it found. Its row is locked first, so
    two imports into one session cannot pass the bound together."""
    session = conn.execute(
        select(screenings.c.disputes_found, screenings.c.held_on)
        .where(screenings.c.id == screening_id)
        .with_for_update()
    ).first()
    if session is None:
        raise InvalidInput(
            f"没有排查 #{screening_id} no screening session #{screening_id}",
            record=f"screening {screening_id}",
            field="screening",
        )
    found = session.disputes_found
    linked = int(conn.scalar(select(func.count()).where(screening_cases.c.screening_id == screening_id)) or 0)
    if linked + len(linked_cases) > found:
        raise InvalidInput(
            f"排查 #{screening_id} 发现纠纷 {found} 件，已关联 {linked} 件，本台账又登记 {len(linked_cases)} 件: "
            f"screening #{screening_id} found {found} disputes, {linked} cases are linked to it and this ledger "
            f"registered {len(linked_cases)} more",
            record=f"screening {screening_id}",
            field="disputes_found",
        )
    if linked_cases:
        rows = [
            {"screening_id": screening_id, "case_id": i, "screened_on": on or session.held_on} for i, on in linked_cases
        ]
        conn.execute(insert(screening_cases), rows)
    return len(linked_cases)


def screening_exists(conn: Connection, screening_id: int) -> bool:
    return conn.scalar(select(screenings.c.id).where(screenings.c.id == screening_id)) is not None
