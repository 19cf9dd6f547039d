"""The figures a coordination centre reports, for the API's /stats, `fengqiao stats` and the dashboard.

Statistics count cases by the month they were registered (China time) and the street they arose
in; they are sums of counters kept with every change (models.figures), so a period is a range of
whole months and a region an area-code prefix of at most nine digits (a street).
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time
from typing import Any

from fengqiao.db import configurations, queries, stats, tallies
from fengqiao.db.judicial_confirmations import applied_count
from fengqiao.db.screenings import Within, screening_figures
from fengqiao.db.tallies import Scope
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.clock_at import end_of_day
from fengqiao.models.clocks import CST
from fengqiao.models.errors import InvalidInput
from fengqiao.models.figures import AREA_DIGITS
from fengqiao.models.months import month_of
from fengqiao.models.network import Network
from fengqiao.models.official import (
    COMPARISON_DEFINITIONS,
    StatisticsRules,
    case_definitions,
    change,
    headline,
    official_figures,
)
from fengqiao.models.roster import ROSTER_DEFINITIONS, roster
from fengqiao.models.screening import SCREENING_DEFINITIONS
from fengqiao.services.context import configuration
from fengqiao.services.due_dates import overdue_at
from fengqiao.services.runtime import engine, now

EMPTY = Network(organisations={}, mediators=(), experts=())


@dataclass(frozen=True)
class Options:
    """The public names of a question's options where it is asked, for its errors to name."""

    since: str
    until: str
    region: str


CLI = Options("--from", "--to", "--region")
API = Options("from", "to", "region")
PAGE = Options("since", "until", "region")
REGION = re.compile(r"^[0-9]{2,9}$")


def asked(
    since: str | None, until: str | None, region: str | None, *, today: date, names: Options = CLI
) -> tuple[str | None, str | None, str | None]:
    """A period and region the figures can answer, else InvalidInput naming the option and its value:
    not a month, a month after this one (China time), a start after the end, or a region that is not
    an area-code prefix down to a street or that no organisation of the applied network serves."""
    this_month = today.strftime("%Y-%m")
    for option, text in ((names.since, since), (names.until, until)):
        if text is None:
            continue
        if month_of(text, option) > this_month:
            raise InvalidInput(
                f"{text!r} 晚于本月 is after this month ({this_month}, China time): nothing is registered in it yet",
                field=option,
            )
    if since and until and since > until:
        raise InvalidInput(
            f"{since!r} 晚于 {names.until} {until!r} is after {names.until} {until!r}", field=names.since
        )
    if region is not None:
        _check_region(region, names.region)
    return since, until, region


def _check_region(region: str, option: str) -> None:
    if not REGION.fullmatch(region):
        finer = region.isascii() and region.isdigit() and len(region) > AREA_DIGITS
        why = (
            f"细于街道 is finer than a street: statistics are kept by street ({AREA_DIGITS} digits)"
            if finer
            else "不是区划代码 is not an area-code prefix: 2 to 9 digits, e.g. 511502"
        )
        raise InvalidInput(f"{region!r} {why}", field=option)
    with UnitOfWork(engine()) as uow:
        network = _InForce(uow.conn).network(now())
    areas = [o.area_code for o in network.organisations.values() if o.area_code] if network else []
    if not any(a.startswith(region) or region.startswith(a) for a in areas):
        raise InvalidInput(f"{region!r} 不在网络内 is served by no organisation of the applied network", field=option)


@dataclass(frozen=True)
class Question:
    """Which cases the figures count: registered in [since, until] (months), in region, within a jurisdiction."""

    since: str | None = None
    until: str | None = None
    region: str | None = None
    within_areas: tuple[str, ...] | None = None  # None: everywhere
    within_orgs: tuple[str, ...] = ()

    def scope(self) -> Scope:
        for prefix in (self.region, *(self.within_areas or ())):
            if prefix is not None and len(prefix) > AREA_DIGITS:
                field = "region" if prefix == self.region else "jurisdiction"
                raise InvalidInput(
                    f"{prefix!r} 细于街道 is finer than a street: statistics are kept by street ({AREA_DIGITS} digits)",
                    field=field,
                )
        areas = self.within_areas
        if self.region is not None:
            inside = areas is None or any(self.region.startswith(a) for a in areas)
            areas = (self.region,) if inside else tuple(a for a in areas or () if a.startswith(self.region))
            orgs: tuple[str, ...] = ()  # a region asks where cases arose, not whose organisation holds them
        else:
            orgs = self.within_orgs
        return Scope(self.since, self.until, areas, orgs)

    def screenings(self) -> Within:
        """The screening sessions it covers: held in its months, swept in its region or jurisdiction."""
        scope = self.scope()
        start = date.fromisoformat(f"{scope.month_from}-01") if scope.month_from else None
        end = None
        if scope.month_to:
            year, month = map(int, scope.month_to.split("-"))
            end = date(year, month, monthrange(year, month)[1])
        return Within(start, end, scope.areas, scope.orgs)

    def cases(self) -> queries.CaseFilter:
        start = datetime.combine(date.fromisoformat(f"{self.since}-01"), time.min, tzinfo=CST) if self.since else None
        end = None
        if self.until:
            year, month = map(int, self.until.split("-"))
            end = datetime.combine(date(year, month, monthrange(year, month)[1]), time.max, tzinfo=CST)
        return queries.CaseFilter(
            area=self.region,
            within_areas=self.within_areas,
            within_orgs=self.within_orgs,
            created_from=start,
            created_to=end,
        )


def figures(question: Question, *, today: date) -> dict[str, Any]:
    """The official figures, each with its definition, in the definitions of the configuration in force
    at the period's end (群体性纠纷 month by month); counts, rates and trend from the counters; the
    roster, overdue and due-soon cases as of the period's last day (today for the current month)."""
    scope = question.scope()
    as_of = min(today, _last_day(question.until)) if question.until else today
    with UnitOfWork(engine()) as uow:
        conn = uow.conn
        official, found = _counted(conn, scope, _InForce(conn))
        overdue, due_soon = overdue_at(conn, question.cases(), as_of, today=today)
        network = _InForce(conn).network(end_of_day(as_of))
        swept = screening_figures(uow.conn, question.screenings(), scope)
        compared = _compared(conn, question, official) if question.since and question.until else None
    official["definitions"] |= {f"screening.{k}": d for k, d in SCREENING_DEFINITIONS.items()} | ROSTER_DEFINITIONS
    official["definitions"] |= case_definitions(as_of.isoformat()) | COMPARISON_DEFINITIONS
    # the organisations the figures count, as the scope does: a key's areas and its organisations
    # (a region asks where cases arose: then its areas only)
    staff = roster(network, question.region, question.within_areas, scope.orgs) if network else roster(EMPTY)
    extra = {"screening": asdict(swept), "roster": staff, "as_of": as_of.isoformat(), "compared": compared}
    return official | extra | found | {"overdue": overdue, "due_soon": due_soon}


class _InForce:
    """The configuration in force at an instant (db.configurations.version_in_force), each parsed once."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def network(self, at: datetime) -> Network | None:
        version = configurations.version_in_force(self.conn, at)
        return configuration(self.conn, version)[0] if version else None

    def rules(self, at: datetime) -> StatisticsRules:
        network = self.network(at)
        return network.statistics if network else StatisticsRules()


def _counted(conn: Connection, scope: Scope, in_force: _InForce) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the official figures with their definitions, the other case figures) of a scope."""
    found, counts = stats.case_figures(conn, scope)
    counts = replace(
        counts,
        confirmation_applied=applied_count(conn, scope),
        agreement_amount=stats.agreement_amount(conn, scope),
    )
    months = {month for month, _ in counts.by_people}
    thresholds = {m: in_force.rules(end_of_day(_last_day(m))).group_dispute_people for m in months}
    end = end_of_day(_last_day(scope.month_to)) if scope.month_to else now()
    return official_figures(counts, in_force.rules(end), thresholds), found


def _compared(conn: Connection, question: Question, official: dict[str, Any]) -> dict[str, Any]:
    """本年累计, 环比 and 同比 of a bounded period, in the same definitions."""
    assert question.since and question.until
    months = _months_between(question.since, question.until)
    periods = {
        "year_to_date": (f"{question.until[:4]}-01", question.until),
        "previous_period": (_shift(question.since, -months), _shift(question.since, -1)),
        "same_period_last_year": (_shift(question.since, -12), _shift(question.until, -12)),
    }
    now = headline(official)
    out: dict[str, Any] = {}
    for name, (since, until) in periods.items():
        then = headline(_counted(conn, replace(question, since=since, until=until).scope(), _InForce(conn))[0])
        out[name] = {"from": since, "to": until} | then
        if name != "year_to_date":
            out[name]["change"] = change(now, then)
    return out


def _months_between(since: str, until: str) -> int:
    (y1, m1), (y2, m2) = map(int, since.split("-")), map(int, until.split("-"))
    return (y2 - y1) * 12 + m2 - m1 + 1


def _shift(month: str, n: int) -> str:
    year, m = map(int, month.split("-"))
    index = year * 12 + m - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _last_day(month: str) -> date:
    year, m = map(int, month.split("-"))
    return date(year, m, monthrange(year, m)[1])


def latest_month_with_cases(question: Question) -> str | None:
    """The last registration month with a case the question counts: where the monthly report opens
    (last month is empty right after a first import or the demo)."""
    with UnitOfWork(engine()) as uow:
        months = stats.case_figures(uow.conn, question.scope())[0]["by_month"]
    return str(months[-1]["month"]) if months else None


def fold_counters() -> int:
    """Add the counters' appended rows into their sums (db.tallies.fold), in a transaction of its
    own: the sweep's, so a street's registrations never wait on the summed rows. How many it folded."""
    with UnitOfWork(engine()) as uow:
        folded = tallies.fold(uow.conn)
        uow.commit()
    return folded
