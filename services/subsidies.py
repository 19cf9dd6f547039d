"""Case subsidies (以案定补): tariffs applied from a month on, and a month's statement for the finance office."""

from __future__ import annotations

from typing import Any

from fengqiao.config.tariff import tariff_from_document
from fengqiao.db import subsidies as store
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.clocks import day_of
from fengqiao.models.errors import InvalidInput
from fengqiao.models.subsidies import Statement, Tariff, closed_months_changed, in_force, statement
from fengqiao.services.runtime import engine, now
from fengqiao.services.stats import month_of


def _tariffs(conn: Connection) -> list[Tariff]:
    return [tariff_from_document(r["id"], r["effective_from"], r["document"]) for r in store.stored_tariffs(conn)]


def apply_tariff(document: dict[str, Any], *, effective_from: str, source: str) -> Tariff:
    """Store a checked tariff in force from a month on; refused if it would change a closed month's statement."""
    month_of(effective_from, "from")
    current = day_of(now()).strftime("%Y-%m")
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


def monthly_statement(month: str, org: str | None = None) -> Statement:
    """A month's statement, by the tariff in force in that month, from the recorded timeline."""
    month_of(month, "month")
    with UnitOfWork(engine()) as uow:
        tariff = in_force(month, _tariffs(uow.conn))
        return statement(month, store.concluded_in(uow.conn, month, org), tariff)


def statement_rows(s: Statement) -> list[list[str]]:
    """The statement as the finance office's CSV: a header, each case, then the totals by mediator and committee."""
    rows = [
        ["月份 month", "案件 case", "调委会 committee", "调解员 mediator", "结果 result", "规则 rules", "金额 yuan"]
    ]
    rows += [[s.month, i.case_no, i.org_code, i.mediator, i.result, " ".join(i.rules), str(i.yuan)] for i in s.items]
    rows += [[s.month, "", "", m, "", "调解员合计 mediator total", str(y)] for m, y in s.by_mediator.items()]
    rows += [[s.month, "", o, "", "", "调委会合计 committee total", str(y)] for o, y in s.by_org.items()]
    rows.append([s.month, "", "", "", "", "总计 total", str(s.total)])
    return rows
