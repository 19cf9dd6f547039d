"""Studio points (积分制) for a month, read live from the timeline with the applied configuration's weights."""

from __future__ import annotations

from fengqiao.db import configurations
from fengqiao.db.points import work_in
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.points import PointsRules, Ranking, ranking
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine
from fengqiao.services.stats import month_of


def monthly_points(month: str) -> Ranking:
    """Each mediator's and studio's points for the month, ranked; the current month as it stands now."""
    month_of(month, "month")
    with UnitOfWork(engine()) as uow:
        version = configurations.latest_config_version(uow.conn)
        rules = configuration(uow.conn, version)[0].points if version else PointsRules()
        return ranking(month, work_in(uow.conn, month), rules)
