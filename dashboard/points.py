"""The studio points ranking page (积分制): a month's mediators and studios, highest first; any month by the picker."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from fengqiao.dashboard.site import page, viewer
from fengqiao.models.clocks import day_of
from fengqiao.services.points import monthly_points
from fengqiao.services.runtime import now
from fengqiao.services.stats import MONTH_PATTERN

router = APIRouter(prefix="/dashboard", include_in_schema=False)


@router.get("/points", response_class=HTMLResponse)
def points_page(request: Request, month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None) -> Any:
    caller = viewer(request)
    found = monthly_points(month or day_of(now()).strftime("%Y-%m"))
    return page(request, "points.html", caller, r=found)
