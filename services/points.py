"""Points (积分制) for a month, read live from the timeline with the applied configuration's weights."""

from __future__ import annotations

from typing import Any

from fengqiao.db import configurations
from fengqiao.db.points import work_in
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.names import Names
from fengqiao.models.points import PointsRules, Ranking, Tally, ranking, standing
from fengqiao.models.subsidies import checked_month
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine
from fengqiao.services.subsidies import current_month, seen_by


def monthly_points(month: str, *, caller: Caller | None = None) -> Ranking:
    """Each mediator's and committee's points for the month, ranked; the current month as it stands
    now; a month not begun is refused naming the field. caller: from the cases its jurisdiction
    covers only, as its statement (None: every case)."""
    checked_month(month, current_month())
    with UnitOfWork(engine()) as uow:
        version = configurations.latest_config_version(uow.conn)
        rules = configuration(uow.conn, version)[0].points if version else PointsRules()
        return ranking(month, work_in(uow.conn, month, seen_by(caller)), rules)


def scored(rows: list[tuple[str, Tally]], name: Any) -> list[dict[str, Any]]:
    """Each row as data: its rank (1, 1, 3), code, name (Chinese, the code beside) and tally."""
    return [
        {"rank": rank, "code": code, "name": name(code), "average_satisfaction": t.average_satisfaction, **vars(t)}
        for rank, code, t in standing(rows)
    ]


def points_data(r: Ranking, names: Names) -> dict[str, Any]:
    """The ranking as `fengqiao points --json` prints it: the API's fields, with each name beside its code."""
    return {
        "month": r.month,
        "formula": vars(r.rules),
        "mediators": scored(r.mediators, names.mediator),
        "committees": scored(r.committees, names.org),
    }
