"""Cases: registering them, reading them, storing their moves, their parties and due days.

Every change of a case goes through save_move(): a conditional UPDATE on the version it read
plus one INSERT into transitions, so two writers racing on one case can never both succeed; the
row is the next link of the case's hash chain (db/evidence.py), written in the same transaction.
A function per question over one connection; the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from fengqiao.db import evidence, tallies
from fengqiao.db.tables import cases, human_inputs, parties, transitions
from fengqiao.models import figures
from fengqiao.models.case import Case, DuplicateState, NewCase, Party
from fengqiao.models.duplicates import Match, name_key
from fengqiao.models.errors import CaseNotFound, ConcurrencyConflict
from fengqiao.models.subsidies import concludes
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Channel, HandoffTarget, InputKind, Risk, Stage, Status


def _to_case(row: Any) -> Case:
    return Case(
        id=row.id,
        case_no=row.case_no,
        status=Status(row.status),
        version=row.version,
        channel=Channel(row.channel),
        channel_ref=row.channel_ref,
        area_code=row.area_code,
        summary=row.summary,
        declared_type=row.declared_type,
        dispute_type=row.dispute_type,
        people_involved=row.people_involved,
        risk=Risk(row.risk),
        path_step=row.path_step,
        attempt=row.attempt,
        org_code=row.org_code,
        mediator=row.mediator_code,
        expert=row.expert_code,
        opinion_step=row.opinion_step,
        handoff_target=HandoffTarget(row.handoff_target) if row.handoff_target else None,
        config_version=row.config_version,
        created_at=row.created_at,
        duplicate_of=row.duplicate_of,
        duplicate_state=DuplicateState(row.duplicate_state) if row.duplicate_state else None,
        test=row.test,
    )


# Intake's statements, built once: building one (and its cache key) took more of the API's time per
# registration than executing it.
_BY_REFS = select(cases).where(
    cases.c.channel == bindparam("channel"), cases.c.channel_ref.in_(bindparam("refs", expanding=True))
)
_ADD = insert(cases).returning(*cases.c, sort_by_parameter_order=True)
_NUMBER = update(cases).where(cases.c.id == bindparam("_id")).values(case_no=bindparam("_no"))
_PARTIES, _TRANSITIONS = insert(parties), insert(transitions)


def find_by_channel_refs(conn: Connection, channel: Channel, refs: Iterable[str]) -> dict[str, Case]:
    wanted = set(refs)
    if not wanted:
        return {}
    rows = conn.execute(_BY_REFS, {"channel": channel, "refs": sorted(wanted)}).all()
    return {row.channel_ref: _to_case(row) for row in rows}


def intake_transition(new: NewCase, duplicate: Match | None, *, at: datetime) -> Transition:
    return Transition(
        seq=1,
        at=at,
        from_status=None,
        to_status=Status.RECEIVED,
        stage=Stage.INTAKE,
        actor=f"channel:{new.channel}",
        reason=f"received via {new.channel}"
        + (f" ref {new.channel_ref}" if new.channel_ref else "")
        + (f"; suspected duplicate of {duplicate.case_no}: {duplicate.reason}" if duplicate else ""),
        rule="duplicate" if duplicate else None,
    )


def add_cases(
    conn: Connection,
    items: Sequence[tuple[NewCase, Match | None]],
    *,
    config_version: int,
    at: datetime,
    count: bool = True,
) -> list[tuple[Case, Transition]]:
    """Register cases in `received`, each with its parties and first timeline row, in a few statements,
    and count them (count_new) unless the caller does so itself.

    The caller has looked for the channels' tickets already; a request racing this one with the
    same ticket makes the insert fail, reported as ConcurrencyConflict for the caller to retry
    (and then find the case the other request made). No savepoint: a retry starts afresh.
    """
    if not items:
        return []
    rows = [
        dict(
            channel=new.channel,
            channel_ref=new.channel_ref,
            status=Status.RECEIVED,
            version=1,
            area_code=new.area_code,
            summary=new.summary,
            declared_type=new.declared_type,
            people_involved=new.people_involved,
            amount=new.amount,
            risk=Risk.NORMAL,
            path_step=-1,
            attempt=0,
            config_version=config_version,
            created_at=at,
            updated_at=at,
            flow_run_open=False,
            duplicate_of=dup.case_id if dup else None,
            duplicate_reason=dup.reason if dup else None,
            duplicate_state=DuplicateState.SUSPECTED if dup else None,
            test=new.test,
        )
        for new, dup in items
    ]
    try:
        inserted = conn.execute(_ADD, rows).all()
    except IntegrityError:
        busy = "本批的渠道编号正由另一请求登记 a channel ticket in this batch is being registered by another request"
        raise ConcurrencyConflict(busy, field="channel_ref") from None
    numbers = [{"_id": row.id, "_no": f"FQ{at:%Y}{row.id:07d}"} for row in inserted]
    conn.execute(_NUMBER, numbers)
    people = [
        dict(
            case_id=row.id,
            role=p.role,
            name=p.name,
            id_number=p.id_number,
            phone=p.phone,
            match_key=name_key(p.name),
        )
        for row, (new, _) in zip(inserted, items, strict=True)
        for p in new.parties
    ]
    if people:
        conn.execute(_PARTIES, people)
    records = [intake_transition(new, dup, at=at) for new, dup in items]
    conn.execute(
        _TRANSITIONS,
        [
            evidence.link_transition(conn, _transition_row(row.id, r, flow_run_id=None), case_no=n["_no"])
            for row, n, r in zip(inserted, numbers, records, strict=True)
        ],
    )
    added = [
        (replace(_to_case(row), case_no=n["_no"], created_at=at), r)
        for row, n, r in zip(inserted, numbers, records, strict=True)
    ]
    if count:
        recorded = {case.id: len(new.parties) for (case, _), (new, _) in zip(added, items, strict=True)}
        count_new(conn, [case for case, _ in added], at=at, parties=recorded)
    return added


def count_new(
    conn: Connection, added: Iterable[Case], *, at: datetime, parties: Mapping[int, int] | None = None
) -> None:
    """Add newly registered cases to the statistics' counters (appended: db.tallies.apply).

    parties: how many parties each case was registered with, when the caller knows (else read)."""
    counted: dict[figures.Key, tuple[int, ...]] = {}
    registered = list(added)
    recorded = parties if parties is not None else tallies.parties_recorded(conn, [case.id for case in registered])
    for case in registered:
        new_facts = figures.facts_of(
            case, created_at=at, level=None, outcome="open", closed_at=None, parties=recorded.get(case.id, 0)
        )
        for key, counts in figures.change(None, new_facts).items():
            counted[key] = tuple(a + b for a, b in zip(counted.get(key, (0,) * len(counts)), counts, strict=True))
    tallies.apply(conn, counted)


def get_case(conn: Connection, case_id: int) -> Case:
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise CaseNotFound(f"没有案件 no case with id {case_id}", field="case_id")
    return _to_case(row)


BIGINT_MAX = 2**63 - 1


def find_case(conn: Connection, ref: str) -> Case:
    """By case number (FQ2026…) or numeric id (ASCII digits within a BIGINT: `²` and `٢` are no id)."""
    row = conn.execute(select(cases).where(cases.c.case_no == ref)).first()
    if row is None and ref.isascii() and ref.isdigit() and int(ref) <= BIGINT_MAX:
        row = conn.execute(select(cases).where(cases.c.id == int(ref))).first()
    if row is None:
        raise CaseNotFound(f"没有案件 no case {ref!r}", field="case")
    return _to_case(row)


def save_move(conn: Connection, before: Case, after: Case, record: Transition, *, flow_run_id: str | None) -> None:
    """Store a transition and the case it produced, only if nobody changed the case since it was read.

    The statistics' counters move with it (models.figures), in the same transaction.
    """
    stored = tallies.stored_facts(conn, before)
    outcome = figures.outcome_after(stored.outcome, after.status)
    agreement = figures.agreement_after(stored.agreement, record)
    refused_in = figures.refused_in_after(stored.refused_in, record, outcome)
    concluded_by = stored.concluded_by or (after.mediator if concludes(record) else None)
    closed_at, level = stored.closed_at, stored.level
    if after.status is not Status.CLOSED:
        closed_at = None
    elif before.status is not Status.CLOSED:
        closed_at = record.at
    result = conn.execute(
        update(cases)
        .where(cases.c.id == before.id, cases.c.version == before.version)
        .values(
            status=after.status,
            version=after.version,
            dispute_type=after.dispute_type,
            risk=after.risk,
            path_step=after.path_step,
            attempt=after.attempt,
            org_code=after.org_code,
            mediator_code=after.mediator,
            expert_code=after.expert,
            opinion_step=after.opinion_step,
            handoff_target=after.handoff_target,
            duplicate_state=after.duplicate_state,
            config_version=after.config_version,
            outcome=outcome,
            agreement=agreement,
            concluded_by=concluded_by,
            closed_at=closed_at,
            updated_at=record.at,
        )
    )
    if result.rowcount != 1:
        raise ConcurrencyConflict(
            f"案件 {before.case_no} 已被他人修改 case {before.case_no} changed since version {before.version} was read",
            field="version",
        )
    assert before.created_at is not None, "a stored case has its registration instant"
    if after.org_code != before.org_code:  # most moves keep their organisation, and its level
        level = tallies.level_of(conn, after.org_code)
    now_counted = figures.facts_of(
        after,
        created_at=before.created_at,
        level=level,
        outcome=outcome,
        closed_at=closed_at,
        agreement=agreement,
        refused_in=refused_in,
        parties=stored.parties,
        sat=tallies.session_sat(conn, before.id, after.attempt, refused_in),
    )
    tallies.apply(conn, figures.change(stored.facts, now_counted))
    row = _transition_row(before.id, record, flow_run_id=flow_run_id)
    conn.execute(insert(transitions).values(**evidence.link_transition(conn, row)))


def _transition_row(case_id: int, record: Transition, *, flow_run_id: str | None) -> dict[str, Any]:
    return dict(
        case_id=case_id,
        seq=record.seq,
        at=record.at,
        from_status=record.from_status,
        to_status=record.to_status,
        stage=record.stage,
        actor=record.actor,
        reason=record.reason,
        note=record.note or None,
        org_code=record.org,
        rule=record.rule,
        flow_run_id=flow_run_id,
    )


def parties_of_case(conn: Connection, case_id: int) -> tuple[Party, ...]:
    rows = conn.execute(select(parties).where(parties.c.case_id == case_id).order_by(parties.c.id)).all()
    return tuple(Party(r.role, r.name, r.id_number, r.phone) for r in rows)


def closed_agreements_without_follow_up(conn: Connection) -> list[int]:
    agreed = select(transitions.c.case_id).where(transitions.c.stage == Stage.RESOLUTION)
    visited = (
        select(human_inputs.c.id)
        .where(
            human_inputs.c.case_id == cases.c.id,
            human_inputs.c.kind == InputKind.FOLLOW_UP,
            human_inputs.c.round == cases.c.attempt,
        )
        .exists()
    )
    rows = conn.execute(
        select(cases.c.id).where(cases.c.status == Status.CLOSED, cases.c.id.in_(agreed), ~visited)
    ).all()
    return [r.id for r in rows]


def mediating_cases(conn: Connection) -> list[int]:
    return [r.id for r in conn.execute(select(cases.c.id).where(cases.c.status == Status.MEDIATING)).all()]


def open_cases_by_mediator(conn: Connection) -> dict[str, int]:
    rows = conn.execute(
        select(cases.c.mediator_code, func.count())
        .where(cases.c.status == Status.MEDIATING, cases.c.mediator_code.is_not(None))
        .group_by(cases.c.mediator_code)
    ).all()
    return {code: n for code, n in rows}


# --- due days -----------------------------------------------------------------------------------
def set_due_on(conn: Connection, case_id: int, due: date | None) -> None:
    conn.execute(update(cases).where(cases.c.id == case_id).values(due_on=due))


def set_due_dates(conn: Connection, dues: dict[int, date | None]) -> int:
    """Correct the kept due days that differ (cases older than the column, a calendar update); how many."""
    changed = 0
    for case_id, due in dues.items():
        stmt = update(cases).where(cases.c.id == case_id, cases.c.due_on.is_distinct_from(due)).values(due_on=due)
        changed += conn.execute(stmt).rowcount
    return changed
