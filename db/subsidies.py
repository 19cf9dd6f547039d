"""Case-subsidy tariffs (versioned by the month they take effect) and the cases that concluded in a month."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, false, func, insert, or_, select
from sqlalchemy.orm import aliased

from fengqiao.db.queries import CaseFilter
from fengqiao.db.tables import cases, organisations, session_records, subsidy_tariffs, transitions
from fengqiao.db.tallies import parties_recorded
from fengqiao.models.clocks import CST, day_of
from fengqiao.models.figures import attempts_made, people_counted
from fengqiao.models.subsidies import ASSIGNED, REFUSED, Concluded


def store_tariff(conn: Connection, document: dict[str, Any], *, effective_from: str, source: str, at: datetime) -> int:
    return int(
        conn.execute(
            insert(subsidy_tariffs)
            .values(effective_from=effective_from, document=document, source=source, created_at=at)
            .returning(subsidy_tariffs.c.id)
        ).scalar_one()
    )


def stored_tariffs(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(subsidy_tariffs).order_by(subsidy_tariffs.c.id)).all()
    return [dict(r._mapping) for r in rows]


def organisation_of(conn: Connection, code: str) -> tuple[str, str] | None:
    """The area and level of an organisation of the network, now or in an earlier version (its
    statements stay readable): area "" for one serving no area (a city panel); None for a code the
    network never had."""
    row = conn.execute(
        select(organisations.c.area_code, organisations.c.level).where(organisations.c.code == code)
    ).first()
    return None if row is None else (row.area_code or "", row.level)


def _conclusion(t: Any) -> Any:
    """A row that concludes mediation (models.subsidies.concludes): an agreement, a handoff after an
    attempt (not one of an unsuitable case), or a party's refusal at any open status."""
    mediated = t.c.from_status.in_(("mediating", "escalated"))
    return or_(t.c.stage == "resolution", and_(t.c.stage == "handoff", or_(mediated, t.c.rule == REFUSED)))


def _result(stage: str, reason: str, rule: str | None) -> str:
    if stage == "resolution":  # a resolution's reason is the outcome
        return "oral" if reason == "oral_agreement" else "written"
    return "refused" if rule == REFUSED else "handed_off"


def concluded_in(conn: Connection, month: str, within: CaseFilter | None = None) -> list[Concluded]:
    """The cases whose first conclusion fell in month (China time), with what the tariff's rules ask of
    them and who conducted each attempt before it (models.subsidies.shares_of); within: only the cases
    of a caller's jurisdiction (its within_areas and within_orgs), as for a case list."""
    year, m = map(int, month.split("-"))
    start = datetime.combine(date(year, m, 1), time.min, tzinfo=CST)
    end = datetime.combine(date(year, m, monthrange(year, m)[1]), time.min, tzinfo=CST) + timedelta(days=1)
    t, earlier = transitions.alias("t"), aliased(transitions, name="earlier")
    assigned = aliased(transitions, name="assigned")
    before = (assigned.c.case_id == t.c.case_id, assigned.c.stage == "assignment", assigned.c.seq < t.c.seq)
    first_assigned = select(func.min(assigned.c.at)).where(*before).scalar_subquery()
    attempts_then = select(func.count()).where(*before).scalar_subquery()  # not the attempts of a later re-opening
    first = (
        ~select(earlier.c.id)
        .where(earlier.c.case_id == t.c.case_id, earlier.c.seq < t.c.seq, _conclusion(earlier))
        .exists()
    )
    q = (
        select(
            cases.c.case_no,
            cases.c.dispute_type,
            cases.c.channel,
            attempts_then.label("attempt"),
            cases.c.people_involved,
            cases.c.risk,
            func.coalesce(cases.c.concluded_by, cases.c.mediator_code).label("mediator_code"),
            t.c.case_id,
            t.c.seq,
            t.c.stage,
            t.c.reason,
            t.c.rule,
            t.c.from_status,
            t.c.org_code,
            t.c.at,
            first_assigned.label("first_assigned"),
            organisations.c.level,
        )
        .select_from(
            t.join(cases, cases.c.id == t.c.case_id).outerjoin(organisations, organisations.c.code == t.c.org_code)
        )
        .where(_conclusion(t), t.c.at >= start, t.c.at < end, first, cases.c.test.is_(false()))
    )
    if within is not None:
        q = within.apply(q)
    rows = conn.execute(q).all()
    by_case = assignments(conn, [r.case_id for r in rows])
    ended = escalations(conn, [r.case_id for r in rows])
    named = parties_recorded(conn, [r.case_id for r in rows])
    refused_in = {r.case_id: r.from_status for r in rows if r.rule == REFUSED}
    sat = sessions_held(conn, [(r.case_id, r.attempt) for r in rows if refused_in.get(r.case_id) == "mediating"])
    found = []
    for r in rows:
        attempts = [a for a in by_case.get(r.case_id, ()) if a.seq < r.seq]  # not those of a later re-opening
        ends = _attempt_ends(attempts, ended.get(r.case_id, []), r.seq, r.at)
        found.append(
            Concluded(
                case_no=r.case_no,
                month=month,
                result=_result(r.stage, r.reason, r.rule),
                dispute_type=r.dispute_type or "",
                channel=r.channel,
                level=r.level or "",
                org_code=r.org_code or "",
                mediator=r.mediator_code or "",
                # as the statistics count them: 调解 (a refused attempt began if a session of it was
                # recorded) and 涉及当事人人数 (never fewer than the parties recorded)
                attempts=attempts_made(r.attempt, refused_in.get(r.case_id), sat=(r.case_id, r.attempt) in sat),
                people=people_counted(r.people_involved, named.get(r.case_id, 0)),
                risk=r.risk,
                days=_days_between(r.first_assigned, r.at),
                conducted=tuple((a.mediator, a.org_code) for a in attempts),
                attempt_days=tuple(_days_between(a.at, end) for a, end in zip(attempts, ends, strict=True)),
            )
        )
    return found


def sessions_held(conn: Connection, attempts: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of (case id, attempt) pairs, those with a session of that attempt recorded (调解笔录)."""
    wanted = sorted(set(attempts))
    held: set[tuple[int, int]] = set()
    for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500)):
        rows = conn.execute(
            select(session_records.c.case_id, session_records.c.attempt)
            .where(session_records.c.case_id.in_({case_id for case_id, _ in chunk}))
            .distinct()
        )
        held |= {(int(r.case_id), int(r.attempt)) for r in rows} & set(chunk)
    return held


@dataclass(frozen=True)
class Assigned:
    """An assignment on a case's timeline: the n-th of them began its attempt n (models.steps.assign)."""

    seq: int
    at: datetime
    mediator: str  # the mediator it named ("" if its sentence names none)
    org_code: str


def assignments(conn: Connection, case_ids: Iterable[int]) -> dict[int, list[Assigned]]:
    """Each case's assignments in order: who conducted each of its attempts, and from when."""
    by_case: dict[int, list[Assigned]] = {}
    ids = sorted(set(case_ids))
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = conn.execute(
            select(
                transitions.c.case_id, transitions.c.seq, transitions.c.at, transitions.c.org_code, transitions.c.reason
            )
            .where(transitions.c.case_id.in_(chunk), transitions.c.stage == "assignment")
            .order_by(transitions.c.case_id, transitions.c.seq)
        )
        for r in rows:
            named = ASSIGNED.match(r.reason)
            by_case.setdefault(r.case_id, []).append(
                Assigned(r.seq, r.at, named.group(1) if named else "", r.org_code or "")
            )
    return by_case


def escalations(conn: Connection, case_ids: Iterable[int]) -> dict[int, list[tuple[int, datetime]]]:
    """Each case's escalations in order, (seq, at): where an attempt that failed ended."""
    by_case: dict[int, list[tuple[int, datetime]]] = {}
    ids = sorted(set(case_ids))
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = conn.execute(
            select(transitions.c.case_id, transitions.c.seq, transitions.c.at)
            .where(transitions.c.case_id.in_(chunk), transitions.c.stage == "escalation")
            .order_by(transitions.c.case_id, transitions.c.seq)
        )
        for r in rows:
            by_case.setdefault(r.case_id, []).append((r.seq, r.at))
    return by_case


def _attempt_ends(
    attempts: list[Assigned], escalated: list[tuple[int, datetime]], concluded_seq: int, concluded_at: datetime
) -> list[datetime]:
    """When each attempt ended: the escalation that failed it, else the next assignment (or the
    conclusion, for the last). The days between an escalation and the next rung's assignment (an
    expert's opinion asked first, say) are then no mediator's."""
    ends = []
    for n, a in enumerate(attempts):
        next_seq, next_at = (
            (attempts[n + 1].seq, attempts[n + 1].at) if n + 1 < len(attempts) else (concluded_seq, concluded_at)
        )
        failed = next((at for seq, at in escalated if a.seq < seq < next_seq), None)
        ends.append(failed if failed is not None else next_at)
    return ends


def _days_between(start: Any, end: datetime) -> int:
    """China-time calendar days; SQLite's min() gives the stored text back, not a timestamp."""
    if start is None:
        return 0
    if isinstance(start, str):
        start = datetime.fromisoformat(start)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return (day_of(end) - day_of(start)).days
