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

from fengqiao.db import configurations, queries, stats
from fengqiao.db.judicial_confirmations import applied_count
from fengqiao.db.screenings import Within, screening_figures
from fengqiao.db.tallies import Scope
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.clocks import CST
from fengqiao.models.errors import InvalidInput
from fengqiao.models.figures import AREA_DIGITS
from fengqiao.models.network import Network
from fengqiao.models.official import StatisticsRules, official_figures
from fengqiao.models.roster import ROSTER_DEFINITIONS, roster
from fengqiao.models.screening import SCREENING_DEFINITIONS
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine

MONTH_PATTERN = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])$"  # 1900-01 to 2199-12, ASCII digits (`\d` takes ٢)
MONTH = re.compile(MONTH_PATTERN)
EMPTY = Network(organisations={}, mediators=(), experts=())


def month_of(text: str, field: str) -> str:
    if not MONTH.fullmatch(text):  # match() would take a trailing newline
        raise InvalidInput(
            f"{text!r} is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10 (按月统计)", field=field
        )
    return text


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
                    f"statistics are kept by street; {prefix!r} is finer than {AREA_DIGITS} digits",
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
    """The official figures in the definitions the applied configuration chose, each with its definition;
    counts, rates and monthly trend from the counters; overdue and due-soon cases from their due dates."""
    scope = question.scope()
    with UnitOfWork(engine()) as uow:
        found, counts = stats.case_figures(uow.conn, scope)
        counts = replace(counts, confirmation_applied=applied_count(uow.conn, scope))
        overdue, due_soon = stats.overdue_counts(uow.conn, question.cases(), today=today)
        network = applied_network(uow.conn)
        swept = screening_figures(uow.conn, question.screenings())
    official = official_figures(counts, network.statistics if network else StatisticsRules())
    official["definitions"] |= {f"screening.{k}": d for k, d in SCREENING_DEFINITIONS.items()} | ROSTER_DEFINITIONS
    staff = roster(network, question.region, question.within_areas) if network else roster(EMPTY)
    extra = {"screening": asdict(swept), "roster": staff}
    return official | extra | found | {"overdue": overdue, "due_soon": due_soon}


def applied_network(conn: Connection) -> Network | None:
    """The configuration applied last, whose definitions the figures use (None before any is applied)."""
    version = configurations.latest_config_version(conn)
    return configuration(conn, version)[0] if version else None


def latest_month_with_cases(question: Question) -> str | None:
    """The last registration month with a case the question counts: where the monthly report opens
    (last month is empty right after a first import or the demo)."""
    with UnitOfWork(engine()) as uow:
        months = stats.case_figures(uow.conn, question.scope())[0]["by_month"]
    return str(months[-1]["month"]) if months else None
