"""The statistics' counters (models.figures): kept in each change's transaction, rebuilt on demand, summed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    inspect,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.sql.elements import TextClause

from fengqiao.db.tables import (
    case_tallies,
    case_tally_deltas,
    cases,
    organisations,
    parties,
    session_records,
    transitions,
)
from fengqiao.models import figures
from fengqiao.models.case import Case
from fengqiao.models.figures import COUNTERS, REFUSAL_RULE, Facts, Key

KEYS = ("month", "area", "org_code", "dimension", "value")
TABLES = (case_tallies, case_tally_deltas)  # the counters: their sums, and the rows appended since


def _append() -> TextClause:
    """A change's counters as new rows of case_tally_deltas, as text: SQLAlchemy's insert of a list
    of rows compiles afresh at each execution. Run as an executemany (psycopg pipelines it)."""
    columns = ", ".join(f'"{c}"' for c in (*KEYS, *COUNTERS))
    values = ", ".join(f":{c}" for c in (*KEYS, *COUNTERS))
    return text(f"INSERT INTO case_tally_deltas ({columns}) VALUES ({values})")


def _append_arrays() -> TextClause:
    """PostgreSQL: the rows as one array a column, one statement of fixed shape (prepared once), which
    took less of the API's time than the executemany's pipeline."""
    columns = ", ".join(f'"{c}"' for c in (*KEYS, *COUNTERS))
    arrays = ", ".join([f"CAST(:{c} AS varchar[])" for c in KEYS] + [f"CAST(:{c} AS integer[])" for c in COUNTERS])
    return text(f"INSERT INTO case_tally_deltas ({columns}) SELECT * FROM unnest({arrays})")


APPEND, APPEND_ARRAYS = _append(), _append_arrays()


def apply(conn: Connection, delta: Mapping[Key, tuple[int, ...]]) -> None:
    """Add the counters by appending rows: no row another registration also adds to is locked, so
    concurrent changes in one street do not wait on each other (fold adds them up later)."""
    rows = [(*key, *counts) for key, counts in sorted(delta.items()) if any(counts)]
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            APPEND_ARRAYS, dict(zip((*KEYS, *COUNTERS), (list(c) for c in zip(*rows, strict=True)), strict=True))
        )
        return
    conn.execute(APPEND, [dict(zip((*KEYS, *COUNTERS), row, strict=True)) for row in rows])


def fold(conn: Connection) -> int:
    """Add the appended rows into case_tallies and delete them, in the caller's transaction (how many).

    Exact under concurrency: the rows added are the rows deleted (a second fold at the same time
    waits for them and then finds them gone; rows appended meanwhile wait for the next fold)."""
    keys = ", ".join(f'"{c}"' for c in KEYS)
    counters = ", ".join(f'"{c}"' for c in COUNTERS)
    sums = ", ".join(f'sum("{c}")' for c in COUNTERS)
    added = ", ".join(f'"{c}" = case_tallies."{c}" + excluded."{c}"' for c in COUNTERS)
    # WHERE true: SQLite reads `ON CONFLICT` after a bare SELECT … GROUP BY as part of it (its documented
    # parsing ambiguity for an upsert from a SELECT); PostgreSQL takes it alike
    into = f"INSERT INTO case_tallies ({keys}, {counters}) SELECT {keys}, {sums} FROM {{source}} WHERE true "
    into += f"GROUP BY {keys} ON CONFLICT ({keys}) DO UPDATE SET {added}"
    if conn.dialect.name == "postgresql":
        gone = f"DELETE FROM case_tally_deltas RETURNING {keys}, {counters}"
        added_rows = into.format(source="gone")
        return int(conn.scalar(text(f"WITH gone AS ({gone}), added AS ({added_rows}) SELECT count(*) FROM gone")) or 0)
    # SQLite: one writer at a time (BEGIN IMMEDIATE), so what is summed is what is deleted
    last = conn.scalar(select(func.max(case_tally_deltas.c.id)))
    if last is None:
        return 0
    upto = f"(SELECT * FROM case_tally_deltas WHERE id <= {int(last)})"
    conn.execute(text(into.format(source=upto)))
    return int(conn.execute(delete(case_tally_deltas).where(case_tally_deltas.c.id <= last)).rowcount or 0)


@dataclass(frozen=True)
class Stored:
    """What the stored row contributes now, with the columns a move carries on."""

    facts: Facts
    outcome: str
    closed_at: Any
    level: str | None
    agreement: str | None
    concluded_by: str | None = None
    refused_in: str | None = None
    parties: int = 0  # the parties recorded on the case (涉及当事人人数 is never fewer)


def stored_facts(conn: Connection, case: Case) -> Stored:
    """The facts the stored row contributes now, with its outcome, closing instant, level and agreement."""
    row = conn.execute(
        select(
            cases.c.created_at,
            cases.c.outcome,
            cases.c.closed_at,
            cases.c.agreement,
            cases.c.concluded_by,
            organisations.c.level,
            _parties_of(cases.c.id).label("parties"),
        )
        .select_from(cases.outerjoin(organisations, cases.c.org_code == organisations.c.code))
        .where(cases.c.id == case.id)
    ).one()
    refused_in = None
    if row.outcome == "handed_off":  # by a refusal? the move that handed it off says (no column keeps it)
        refused_in = refused_in_stored(conn, case.id)
    facts = figures.facts_of(
        case,
        created_at=row.created_at,
        level=row.level,
        outcome=row.outcome,
        closed_at=row.closed_at,
        agreement=row.agreement,
        refused_in=refused_in,
        parties=int(row.parties),
        sat=session_sat(conn, case.id, case.attempt, refused_in),
    )
    return Stored(
        facts, row.outcome, row.closed_at, row.level, row.agreement, row.concluded_by, refused_in, int(row.parties)
    )


def _parties_of(case_id: Any) -> Any:
    """The number of parties recorded on the case (a scalar subquery)."""
    return select(func.count()).select_from(parties).where(parties.c.case_id == case_id).scalar_subquery()


def parties_recorded(conn: Connection, case_ids: Sequence[int]) -> dict[int, int]:
    """The parties recorded on each of the cases (a case with none is left out)."""
    found: dict[int, int] = {}
    for chunk in (case_ids[i : i + 500] for i in range(0, len(case_ids), 500)):
        q = select(parties.c.case_id, func.count()).where(parties.c.case_id.in_(chunk)).group_by(parties.c.case_id)
        found.update({int(case_id): int(n) for case_id, n in conn.execute(q)})
    return found


def session_sat(conn: Connection, case_id: int, attempt: int, refused_in: str | None) -> bool:
    """Whether a refusal while mediating came after a session of its attempt was recorded (the attempt
    began: models.figures.attempts_made); asked only of such a refusal."""
    if refused_in != "mediating":
        return False
    held = select(session_records.c.id).where(
        session_records.c.case_id == case_id, session_records.c.attempt == attempt
    )
    return conn.execute(held.limit(1)).first() is not None


def level_of(conn: Connection, org_code: str | None) -> str | None:
    if org_code is None:
        return None
    return conn.scalar(select(organisations.c.level).where(organisations.c.code == org_code))


def rebuild(conn: Connection) -> int:
    """Count every case again from the cases table (after a migration, or to check the kept counters).

    Only the counters the table has at the database's revision: the migration that made the table
    (0004) runs this too, before later ones added counters.
    """
    conn.execute(delete(case_tallies))
    if inspect(conn).has_table(case_tally_deltas.name):  # appended since migration 0022
        conn.execute(delete(case_tally_deltas))
    lowest_levels = tuple(str(level) for level in figures.LOWEST_LEVELS)
    month = _month_expr(conn)
    area = func.substr(cases.c.area_code, 1, figures.AREA_DIGITS)
    org = func.coalesce(cases.c.org_code, "")
    resolved = cases.c.outcome == "resolved"
    refusals = _refusals()
    refused_in = refusals.c.from_status
    refused = and_(cases.c.outcome == "handed_off", refused_in.is_not(None))

    def count_if(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    recorded = select(parties.c.case_id, func.count().label("n")).group_by(parties.c.case_id).subquery()
    # models.figures.people_counted: people involved, never fewer than the parties recorded
    people = case((recorded.c.n > cases.c.people_involved, recorded.c.n), else_=cases.c.people_involved)
    before_it_began = and_(refused, refused_in == "mediating")  # models.figures.attempts_made
    if inspect(conn).has_table(session_records.name):  # a database before migration 0013 has no sessions
        held = select(session_records.c.id).where(
            session_records.c.case_id == cases.c.id, session_records.c.attempt == cases.c.attempt
        )
        before_it_began = and_(before_it_began, ~held.exists())
    every = {
        "cases": func.count(),
        "closed": func.count(cases.c.closed_at),
        "close_days": func.coalesce(func.sum(_days_expr(conn)), 0),
        "resolved": count_if(resolved),
        "mediated": count_if(cases.c.attempt - case((before_it_began, 1), else_=0) > 0),
        "lowest": count_if(and_(resolved, organisations.c.level.in_(lowest_levels))),
        "written": count_if(and_(resolved, func.coalesce(cases.c.agreement, "written") == "written")),
        "oral": count_if(and_(resolved, cases.c.agreement == "oral")),
        "parties": func.sum(people),
    }
    present = {c["name"] for c in inspect(conn).get_columns(case_tallies.name)}
    kept = [c for c in COUNTERS if c in present]
    counters = [every[c].label(c) for c in kept]
    source = (
        cases.outerjoin(organisations, cases.c.org_code == organisations.c.code)
        .outerjoin(refusals, refusals.c.case_id == cases.c.id)
        .outerjoin(recorded, recorded.c.case_id == cases.c.id)
    )
    target = func.coalesce(cases.c.handoff_target, "")
    handoff = case((and_(cases.c.outcome == "handed_off", ~refused), target), else_="")
    real = _real_cases(conn)
    for dimension, value in (
        ("all", literal("*")),
        ("status", cases.c.status),
        ("type", func.coalesce(cases.c.dispute_type, "")),
        ("channel", cases.c.channel),
        ("outcome", case((refused, "refused"), else_=cases.c.outcome)),
        ("handoff", handoff),
        ("refused", case((refused, target), else_="")),
        ("people", cast(people, String)),
    ):
        q = (
            select(month, area, org, literal(dimension), value, *counters)
            .select_from(source)
            .where(real)
            .group_by(month, area, org, value)
        )
        conn.execute(case_tallies.insert().from_select(["month", "area", "org_code", "dimension", "value", *kept], q))
    return int(conn.scalar(select(func.count()).select_from(case_tallies)) or 0)


def refused_in_stored(conn: Connection, case_id: int) -> str | None:
    """The status a party refused mediation in, if the case's last handoff was that refusal (else None)."""
    last = conn.execute(
        select(transitions.c.rule, transitions.c.from_status)
        .where(transitions.c.case_id == case_id, transitions.c.to_status == "handed_off")
        .order_by(transitions.c.seq.desc())
        .limit(1)
    ).first()
    return last.from_status if last is not None and last.rule == REFUSAL_RULE else None


def _refusals() -> Any:
    """refused_in_stored for every case at once: (case_id, from_status) where the last handoff was a refusal."""
    last = (
        select(transitions.c.case_id, func.max(transitions.c.seq).label("seq"))
        .where(transitions.c.to_status == "handed_off")
        .group_by(transitions.c.case_id)
        .subquery()
    )
    return (
        select(transitions.c.case_id, transitions.c.from_status)
        .join(last, and_(last.c.case_id == transitions.c.case_id, last.c.seq == transitions.c.seq))
        .where(transitions.c.rule == REFUSAL_RULE)
        .subquery()
    )


def _real_cases(conn: Connection) -> Any:
    """A test key's cases count nowhere; a database before migration 0014 (0004 rebuilds) has none."""
    if any(c["name"] == "test" for c in inspect(conn).get_columns("cases")):
        return cases.c.test.is_(false())
    return true()


def _month_expr(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", cases.c.created_at), "YYYY-MM")
    return func.strftime("%Y-%m", func.substr(cases.c.created_at, 1, 19), "+8 hours")  # SQLite: text, UTC


def _days_expr(conn: Connection) -> Any:
    """China-time calendar days from registration to closing."""
    if conn.dialect.name == "postgresql":

        def day(c: Any) -> Any:
            return func.date(func.timezone("Asia/Shanghai", c))

        return day(cases.c.closed_at) - day(cases.c.created_at)

    def sqlite_day(c: Any) -> Any:
        return func.julianday(func.date(func.substr(c, 1, 19), "+8 hours"))

    return cast(sqlite_day(cases.c.closed_at) - sqlite_day(cases.c.created_at), Integer)


@dataclass(frozen=True)
class Scope:
    """Which counters a question sums: registration months, street prefixes, organisations."""

    month_from: str | None = None
    month_to: str | None = None
    areas: tuple[str, ...] | None = None  # None: everywhere; each at most nine digits
    orgs: tuple[str, ...] = ()  # also counted wherever they arose (a key's organisations)

    def where(self, counted: Table = case_tallies) -> Any:
        """The condition on the counters' rows (case_tallies' or the appended ones')."""
        conds = []
        if self.month_from:
            conds.append(counted.c.month >= self.month_from)
        if self.month_to:
            conds.append(counted.c.month <= self.month_to)
        if self.areas is not None:
            inside = [counted.c.area.startswith(a, autoescape=True) for a in self.areas]
            inside += [counted.c.org_code.in_(self.orgs)] if self.orgs else []
            conds.append(or_(*inside) if inside else ~true())
        return and_(true(), *conds)


def summed(conn: Connection, scope: Scope, *group: str) -> list[dict[str, Any]]:
    """Counters summed by dimension and value, and by any of month, area, org_code, level."""
    counted = union_all(
        *(select(*(t.c[c] for c in (*KEYS, *COUNTERS))).where(scope.where(t)) for t in TABLES)
    ).subquery("counted")  # the sums and the rows appended since the last fold
    columns = {
        "month": counted.c.month,
        "area": counted.c.area,
        "district": func.substr(counted.c.area, 1, 6),
        "org_code": counted.c.org_code,
        "level": func.coalesce(organisations.c.level, ""),
    }
    keys = [counted.c.dimension, counted.c.value] + [columns[g].label(g) for g in group]
    q = (
        select(*keys, *(func.sum(getattr(counted.c, c)).label(c) for c in COUNTERS))
        .select_from(counted.outerjoin(organisations, counted.c.org_code == organisations.c.code))
        .group_by(*keys)
    )
    return [dict(r._mapping) for r in conn.execute(q)]
