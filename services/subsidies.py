"""Case subsidies (以案定补): tariffs applied from a month on, and a month's statement for the finance office."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fengqiao.config.tariff import tariff_from_document
from fengqiao.db import subsidies as store
from fengqiao.db.queries import CaseFilter
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.access import Caller, jurisdiction
from fengqiao.models.clocks import day_of
from fengqiao.models.errors import InvalidInput
from fengqiao.models.months import month_of
from fengqiao.models.names import Names
from fengqiao.models.subsidies import (
    RESULT_LABELS,
    Statement,
    Tariff,
    checked_month,
    closed_months_changed,
    in_force,
    statement,
)
from fengqiao.models.vocabulary import Level
from fengqiao.services.runtime import engine, now


def _tariffs(conn: Connection) -> list[Tariff]:
    return [tariff_from_document(r["id"], r["effective_from"], r["document"]) for r in store.stored_tariffs(conn)]


def current_month() -> str:
    return day_of(now()).strftime("%Y-%m")


def apply_tariff(document: dict[str, Any], *, effective_from: str, source: str) -> Tariff:
    """Store a checked tariff in force from a month on; refused if it would change a closed month's statement."""
    month_of(effective_from, "from")
    current = current_month()
    with UnitOfWork(engine()) as uow:
        stored = _tariffs(uow.conn)
        if changed := closed_months_changed(effective_from, [t.effective_from for t in stored], current):
            first, until = changed
            raise InvalidInput(
                f"已结账月份不能改变 a tariff from {effective_from} would change the closed statements of {first} "
                f"until {until}: a tariff takes effect from the current month ({current}) or a month no tariff covered",
                field="from",
            )
        version = store.store_tariff(uow.conn, document, effective_from=effective_from, source=source, at=now())
        uow.commit()
    return tariff_from_document(version, effective_from, document)


def tariffs() -> list[Tariff]:
    with UnitOfWork(engine()) as uow:
        return _tariffs(uow.conn)


def seen_by(caller: Caller | None) -> CaseFilter | None:
    """The cases a caller's statement and points are made of: those its jurisdiction covers, as its
    case list (models.access.jurisdiction); None (an operator at the command line): every case."""
    if caller is None:
        return None
    areas, orgs = jurisdiction(caller)
    return CaseFilter(within_areas=areas, within_orgs=orgs)


def monthly_statement(month: str, org: str | None = None, *, caller: Caller | None = None) -> Statement:
    """A month's statement, by the tariff in force in that month, from the recorded timeline; the
    current month's is provisional (未结账). A month not begun, an unknown committee or an expert pool
    (which holds no cases: its experts give opinions) is refused.

    caller: its items are the cases the caller's jurisdiction covers, the totals summed from them; a
    committee outside that jurisdiction is refused as a screening outside it is (None: every case)."""
    current = current_month()
    checked_month(month, current)
    with UnitOfWork(engine()) as uow:
        found_org = store.organisation_of(uow.conn, org) if org is not None else None
        if org is not None and found_org is None:
            raise InvalidInput(f"{org!r} 不是网络中的调解组织 is not an organisation of the network", field="org")
        area, level = found_org or ("", "")
        if level == Level.EXPERT_POOL:  # its experts give opinions (专家意见); cases are held and mediated elsewhere
            raise InvalidInput(
                f"{org!r} 是专家库，不办理案件，没有以案定补 is an expert pool: it gives opinions, holds no cases "
                "and is paid nothing",
                field="org",
            )
        if org is not None and caller is not None and not caller.covers(area, org):
            raise InvalidInput(
                f"调解组织 {org} 不在密钥 {caller.name} 的辖区内 "
                f"organisation {org} is outside the jurisdiction of key {caller.name}",
                field="org",
            )
        tariff = in_force(month, _tariffs(uow.conn))
        found = statement(month, store.concluded_in(uow.conn, month, seen_by(caller)), tariff, org=org)
    return replace(found, provisional=month == current)


def month_shown(s: Statement) -> str:
    return f"{s.month} 未结账 provisional" if s.provisional else s.month


def statement_rows(s: Statement, names: Names) -> list[list[str]]:
    """The statement as the finance office's CSV: a header, each payable share of each case, then the
    totals by mediator and committee; names first with the code beside, results and rules bilingual."""
    month = month_shown(s)
    rows = [
        [
            "月份 month",
            "案件 case",
            "结果 result",
            "规则 rules",
            "第几次调解 attempt",
            "调委会 committee",
            "调解员 mediator",
            "金额 yuan",
        ]
    ]
    for i in s.items:
        rules = "、".join(s.labels.get(r, r) for r in i.rules)
        rows += [
            [
                month,
                i.case_no,
                RESULT_LABELS[i.result],
                rules,
                str(p.attempt),
                names.org(p.org_code),
                names.mediator(p.mediator),
                str(p.yuan),
            ]
            for p in i.shares
        ]
    rows += [
        [month, "", "", "调解员合计 mediator total", "", "", names.mediator(m), str(y)]
        for m, y in s.by_mediator.items()
    ]
    rows += [[month, "", "", "调委会合计 committee total", "", names.org(o), "", str(y)] for o, y in s.by_org.items()]
    rows.append([month, "", "", "总计 total", "", "", "", str(s.total)])
    return rows
