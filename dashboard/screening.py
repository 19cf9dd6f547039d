"""The screening page (矛盾纠纷排查): the month's sweeps in the viewer's jurisdiction, and a form to record one."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fengqiao.dashboard.site import page, posted_form, viewer
from fengqiao.models.access import jurisdiction
from fengqiao.models.clocks import day_of
from fengqiao.models.errors import FengqiaoError, InvalidInput
from fengqiao.models.screening import Screening
from fengqiao.services.runtime import now
from fengqiao.services.screening import latest_screening_month, record_screening, screenings
from fengqiao.services.stats import Question

router = APIRouter(prefix="/dashboard", include_in_schema=False)


@router.get("/screenings", response_class=HTMLResponse)
def screenings_page(
    request: Request,
    month: Annotated[str | None, Query(max_length=40)] = None,  # checked by the service: the error page
    error: Annotated[str | None, Query(max_length=300)] = None,
    done: Annotated[int | None, Query(ge=1)] = None,
) -> Any:
    caller = viewer(request)
    areas, orgs = jurisdiction(caller)
    month = month or latest_screening_month(Question(within_areas=areas, within_orgs=orgs)) or f"{day_of(now()):%Y-%m}"
    found = screenings(Question(month, month, within_areas=areas, within_orgs=orgs))
    totals = {
        "sessions": len(found),
        "found": sum(s.disputes_found for s in found),
        "prevented": sum(s.disputes_prevented for s in found),
    }
    return page(request, "screenings.html", caller, month=month, found=found, totals=totals, error=error, done=done)


def _count(text: str, field: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"{text!r} 应为整数 is not a count", field=field)
    return int(text)


@router.post("/screenings")
async def record(request: Request) -> Response:
    """A sweep recorded from the form; an error comes back on the page, naming the field."""
    caller = viewer(request)
    form = await posted_form(request)
    try:
        try:
            held_on = date.fromisoformat(form.get("held_on", ""))
        except ValueError:
            raise InvalidInput(
                f"{form.get('held_on', '')!r} 应为日期 is not a day (YYYY-MM-DD)", field="held_on"
            ) from None
        stored = record_screening(
            Screening(
                held_on=held_on,
                area_code=form.get("area_code", "").strip(),
                place=form.get("place", "").strip(),
                screened_by=form.get("screened_by", "").strip(),
                disputes_found=_count(form.get("disputes_found", ""), "disputes_found"),
                disputes_prevented=_count(form.get("disputes_prevented", "0") or "0", "disputes_prevented"),
                org_code=form.get("org_code", "").strip() or None,
                note=form.get("note", ""),
                cases=tuple(form.get("cases", "").split()),
                actor=caller.actor,
            ),
            caller=caller,
        )
    except FengqiaoError as exc:
        return RedirectResponse(f"/dashboard/screenings?error={quote(exc.message[:300])}", status_code=303)
    return RedirectResponse(f"/dashboard/screenings?month={stored.held_on:%Y-%m}&done={stored.id}", status_code=303)
