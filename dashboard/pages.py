"""Sign-in, the board, one case and the alerts: what a coordination centre watches all day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fengqiao.api.auth import client_address, count
from fengqiao.api.cases import get_case, get_timeline
from fengqiao.config.calendar import is_workday
from fengqiao.config.settings import get_settings
from fengqiao.dashboard.site import COOKIE, LEVEL_ORDER, MEDIATORS, VIEWERS, page, posted_form, viewer
from fengqiao.db import board, queries
from fengqiao.db.sessions import form_token
from fengqiao.models.access import Caller, jurisdiction
from fengqiao.models.clocks import day_of
from fengqiao.models.errors import FengqiaoError
from fengqiao.models.vocabulary import Channel, Risk
from fengqiao.runs.launch import flow_run_state
from fengqiao.services.alerts import acknowledge_alert, alerts_seen
from fengqiao.services.board import read_board
from fengqiao.services.case_reads import case_file
from fengqiao.services.evidence import verify_case
from fengqiao.services.runtime import now
from fengqiao.services.sessions import end_session, session_caller, start_session

router = APIRouter(prefix="/dashboard", include_in_schema=False)
Text = Annotated[str | None, Query(max_length=64)]


def _today() -> date:
    return day_of(now())


@router.get("/login", response_class=HTMLResponse)
def sign_in_page(request: Request, error: Annotated[str | None, Query(pattern="^(key|role)$")] = None) -> Any:
    return page(request, "login.html", None, error=error)


@router.post("/login")
async def sign_in(request: Request) -> Response:
    """A session for a coordinator's or administrator's key; every attempt counts against the address."""
    count("address", client_address(request))
    key = (await posted_form(request, signed_in=False)).get("key", "").strip()
    hours = get_settings().dashboard_session_hours
    signed = start_session(key, roles=(*VIEWERS, *MEDIATORS), lasts=timedelta(hours=hours))
    if signed is None:
        return RedirectResponse("/dashboard/login?error=key", status_code=303)
    if signed.session_id is None:  # no session: its pages would all be refused
        return RedirectResponse("/dashboard/login?error=role", status_code=303)
    home = "/dashboard/my" if signed.caller.role in MEDIATORS else "/dashboard/"
    answer = RedirectResponse(home, status_code=303)
    answer.set_cookie(
        COOKIE,
        signed.session_id,
        max_age=int(hours * 3600),
        path="/dashboard",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return answer


@router.post("/logout")
async def sign_out(request: Request) -> Response:
    """Ends the session on the server (the old cookie is worthless after), then forgets the cookie."""
    session_id = request.cookies.get(COOKIE, "")
    live = bool(session_id) and session_caller(session_id) is not None
    if live:
        request.state.form_token = form_token(session_id)
        await posted_form(request)  # a sign-out forged by another site is refused too
        end_session(session_id)
    answer = RedirectResponse("/dashboard/login", status_code=303)
    answer.delete_cookie(COOKIE, path="/dashboard")
    return answer


def _board_filter(caller: Caller, params: dict[str, str | None]) -> board.BoardFilter:
    areas, orgs = jurisdiction(caller)
    where = queries.CaseFilter(
        channel=params.get("channel") or None,
        area=params.get("area") or None,
        dispute_type=params.get("type") or None,
        risk=params.get("risk") or None,
        within_areas=areas,
        within_orgs=orgs,
    )
    return board.BoardFilter(where, org_code=params.get("org") or None)


def _board_context(caller: Caller, params: dict[str, str | None]) -> dict[str, Any]:
    f = _board_filter(caller, params)
    today = _today()
    seen = read_board(f, today=today)
    return {
        "counts": seen.counts,
        "levels": [lv for lv in LEVEL_ORDER if any(level == lv for _, level in seen.counts)],
        "rows": seen.rows,
        "today": today,
        "filters": params,
        "total": sum(seen.counts.values()),
        "held": seen.held,
        "parked": seen.parked,
        "channels": [c.value for c in Channel],
        "risks": [r.value for r in Risk],
    }


def board_filters(
    area: Text = None, type: Text = None, channel: Text = None, org: Text = None, risk: Text = None
) -> dict[str, str | None]:
    return {"area": area, "type": type, "channel": channel, "org": org, "risk": risk}


Filters = Annotated[dict[str, str | None], Depends(board_filters)]


@router.get("/", response_class=HTMLResponse)
def board_page(request: Request, filters: Filters) -> Any:
    caller = viewer(request)
    return page(request, "board.html", caller, **_board_context(caller, filters))


@router.get("/board/live", response_class=HTMLResponse)
def board_live(request: Request, filters: Filters) -> Any:
    """The board's counts and rows alone: the page polls this and swaps it in."""
    caller = viewer(request)
    return page(request, "_board_live.html", caller, **_board_context(caller, filters))


@router.get("/cases/{ref}", response_class=HTMLResponse)
def case_page(request: Request, ref: str) -> Any:
    caller = viewer(request)
    try:
        detail = get_case(ref, caller)  # masked, and written to the access log like an API read
        timeline = get_timeline(detail.case_no, caller)  # masked and logged too, as its API read
    except FengqiaoError as exc:
        answer = page(request, "missing.html", caller, message=exc.message)
        answer.status_code = 404
        return answer
    papers = case_file(caller, detail.case_id)  # linked reports only where the key may see them
    clock = papers.clock
    return page(
        request,
        "case.html",
        caller,
        case=detail,
        timeline=timeline,
        clock=clock,
        days_left=clock.days_left(_today(), is_workday) if clock else None,
        duplicates=papers.duplicates,
        documents=papers.documents,
        flow_state=flow_run_state(detail.flow_run_id) if detail.flow_run_id else None,
        chain=verify_case(detail.case_id),  # after this view's own access-log rows: they are links too
    )


ALERT_ERRORS = frozenset({"unknown", "acknowledged", "outside"})


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, show: str = "open", error: Text = None) -> Any:
    """The alerts with a case the key may see (models.alerts), listing only those cases, and the
    work pool's; what Prefect's automations fired is raised by the workers' sweep (runs/automations.py)."""
    caller = viewer(request)
    areas, orgs = jurisdiction(caller)
    found, numbers = alerts_seen(queries.CaseFilter(within_areas=areas, within_orgs=orgs), open_only=show != "all")
    error = error if error in ALERT_ERRORS else None
    return page(request, "alerts.html", caller, alerts=found, numbers=numbers, show=show, error=error)


@router.post("/alerts/{alert_id}/acknowledge")
async def acknowledge(request: Request, alert_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> Response:
    """Only an alert the key sees, and only if it sees all of its cases: another district's stays open."""
    caller = viewer(request)
    note = (await posted_form(request)).get("note", "")[:500]
    areas, orgs = jurisdiction(caller)
    where = queries.CaseFilter(within_areas=areas, within_orgs=orgs)
    refused = acknowledge_alert(where, alert_id, by=caller.name, note=note)
    if refused is not None:
        return RedirectResponse(f"/dashboard/alerts?error={refused}", status_code=303)
    return RedirectResponse("/dashboard/alerts", status_code=303)
