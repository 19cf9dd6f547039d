"""The points ranking page (积分制): a month's mediators and committees, highest first; any month by the picker."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from fengqiao.dashboard.site import page, viewer
from fengqiao.services.names import current_names
from fengqiao.services.points import monthly_points, points_data
from fengqiao.services.subsidies import current_month

router = APIRouter(prefix="/dashboard", include_in_schema=False)


@router.get("/points", response_class=HTMLResponse)
def points_page(request: Request, month: Annotated[str | None, Query(max_length=40)] = None) -> Any:
    caller = viewer(request)
    found = monthly_points(month or current_month(), caller=caller)  # a bad month: the error page (app.py)
    return page(request, "points.html", caller, r=found, p=points_data(found, current_names()))
