"""The figures a coordination centre reports: sums of the kept counters (db/tallies), plus overdue counts
(live from the kept due days, or the cases mediating at a past day's end for models.clock_at)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, false, func, select

from fengqiao.db.judicial_confirmations import _in_scope as cases_in_scope
from fengqiao.db.queries import CaseFilter
from fengqiao.db.tables import agreement_terms, cases, transitions
from fengqiao.db.tallies import Scope, summed
from fengqiao.models.figures import COUNTERS
from fengqiao.models.official import Counts


def _ratio(part: int, whole: int, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def case_figures(conn: Connection, scope: Scope) -> tuple[dict[str, Any], Counts]:
    """Counts by status, type, channel, level, district, outcome and month, the rates built on them,
    and what the official figures (models.official) are made of."""
    rows = summed(conn, scope, "month", "district", "level")
    by: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    whole = dict.fromkeys(COUNTERS, 0)
    months: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    people: dict[tuple[str, int], int] = defaultdict(int)
    for r in rows:
        if r["dimension"] == "all":
            for c in COUNTERS:
                whole[c] += int(r[c])
                months[r["month"]][c] += int(r[c])
            by["level"][r["level"] or "none"] += int(r["resolved"])  # 化解层级: where the resolved were resolved
            by["area"][r["district"]] += int(r["cases"])
        elif r["dimension"] == "people" and r["cases"]:
            people[(r["month"], int(r["value"]))] += int(r["cases"])
        elif r["cases"]:
            blank = "untriaged" if r["dimension"] == "type" else "none"  # 待分流: no type decided yet
            by[r["dimension"]][r["value"] or blank] += int(r["cases"])
    clean = {d: {k: n for k, n in sorted(v.items()) if n} for d, v in by.items()}
    outcomes = clean.get("outcome", {})
    counts = Counts(
        received=whole["cases"],
        mediated=whole["mediated"],
        written=whole["written"],
        oral=whole["oral"],
        withdrawn=outcomes.get("withdrawn", 0),
        open=outcomes.get("open", 0),
        parties=whole["parties"],
        handed_off={t: n for t, n in clean.get("handoff", {}).items() if t != "none"},
        by_people=dict(people),
        refused=sum(n for t, n in clean.get("refused", {}).items() if t != "none"),
    )
    found = {
        "closed": whole["closed"],
        "by_status": clean.get("status", {}),
        "by_type": clean.get("type", {}),
        "by_channel": clean.get("channel", {}),
        "by_level": clean.get("level", {}),
        "by_area": clean.get("area", {}),
        "by_outcome": outcomes,
        "lowest_level_share": _ratio(whole["lowest"], whole["resolved"]),
        "average_days_to_close": _ratio(whole["close_days"], whole["closed"], 1),
        "by_month": [
            {"month": m, "cases": c["cases"], "closed": c["closed"], "resolved": c["resolved"]}
            for m, c in sorted(months.items())
            if c["cases"]
        ],
    }
    return found, counts


def agreement_amount(conn: Connection, scope: Scope) -> Decimal:
    """协议涉及金额: the amounts in the terms of the scope's standing agreements (the attempt that reached each)."""
    q = (
        select(func.coalesce(func.sum(agreement_terms.c.amount), 0))
        .select_from(
            cases.join(
                agreement_terms,
                and_(agreement_terms.c.case_id == cases.c.id, agreement_terms.c.attempt == cases.c.attempt),
            )
        )
        .where(cases.c.outcome == "resolved", cases_in_scope(scope))
    )
    return Decimal(conn.scalar(q) or 0).quantize(Decimal("0.01"))


def overdue_counts(conn: Connection, where: CaseFilter, *, today: date, soon_days: int = 3) -> tuple[int, int]:
    """Mediating cases past their deadline, and those due within soon_days: from the kept due dates."""
    q = where.apply(
        select(
            func.count().filter(cases.c.due_on < today),
            func.count().filter(cases.c.due_on >= today),
        ).where(
            cases.c.status == "mediating",
            cases.c.test.is_(false()),  # a test key's cases count nowhere
            cases.c.due_on.is_not(None),
            cases.c.due_on <= today + timedelta(days=soon_days),
        )
    )
    overdue, soon = conn.execute(q).one()
    return int(overdue), int(soon)


def mediating_at(conn: Connection, where: CaseFilter, end: datetime) -> list[tuple[int, str | None, int]]:
    """(id, dispute type, configuration version now) of the cases where asks for whose last move up to end
    left them mediating: the only ones that can be overdue or due soon then."""
    moves = transitions.alias("moves")
    last = select(func.max(moves.c.seq)).where(moves.c.case_id == cases.c.id, moves.c.at <= end).scalar_subquery()
    q = where.apply(
        select(cases.c.id, cases.c.dispute_type, cases.c.config_version)
        .select_from(cases.join(transitions, and_(transitions.c.case_id == cases.c.id, transitions.c.seq == last)))
        .where(transitions.c.to_status == "mediating", cases.c.test.is_(false()))
        .order_by(cases.c.id)
    )
    return [(r.id, r.dispute_type, r.config_version) for r in conn.execute(q)]
