"""Statistics, the monthly report (矛盾纠纷信息分析月报告) as a page and a PDF, and the configuration."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from fengqiao.dashboard.site import HERE, expensive, page, templates, viewer
from fengqiao.db.queries import CaseFilter
from fengqiao.models.access import Caller, jurisdiction
from fengqiao.models.clocks import day_of
from fengqiao.models.errors import FengqiaoError
from fengqiao.models.times import shown
from fengqiao.services.config_versions import config_versions, network_of, stored_version
from fengqiao.services.printing import print_pdf
from fengqiao.services.runtime import now
from fengqiao.services.stats import (
    PAGE,
    Options,
    Question,
    asked,
    figures,
    latest_month_with_cases,
)
from fengqiao.services.whatif import what_if

router = APIRouter(prefix="/dashboard", include_in_schema=False)
Month = Annotated[str | None, Query(max_length=40)]  # checked as a month by services.stats.asked, naming it
Region = Annotated[str | None, Query(pattern=r"^\d{0,9}$")]


def _question(caller: Caller, since: str | None, until: str | None, region: str | None) -> Question:
    areas, orgs = jurisdiction(caller)
    return Question(since, until, region or None, within_areas=areas, within_orgs=orgs)


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, since: Month = None, until: Month = None, region: Region = None) -> Any:
    caller = viewer(request)
    try:
        today = day_of(now())
        asked(since, until, region or None, today=today, names=PAGE)
        found = figures(_question(caller, since, until, region), today=today)
        error = None
    except FengqiaoError as exc:
        found, error = None, exc.message
    params = {"since": since or "", "until": until or "", "region": region or ""}
    return page(request, "stats.html", caller, f=found, error=error, params=params)


def report_data(month: str, region: str | None, question: Question | None = None) -> dict[str, Any]:
    """The month's figures (with 本年累计, 环比, 同比), the year's trend up to it, and when it was made;
    a month that is not one or is after this one, or an unknown region, is InvalidInput naming it."""
    asked(month, month, region, today=day_of(now()), names=Options("month", "month", "region"))
    year, m = map(int, month.split("-"))
    start = f"{year - 1}-{m + 1:02d}" if m < 12 else f"{year}-01"
    base = question or Question(region=region)
    this = figures(Question(month, month, base.region, base.within_areas, base.within_orgs), today=day_of(now()))
    trend = figures(Question(start, month, base.region, base.within_areas, base.within_orgs), today=day_of(now()))
    return {
        "month": month,
        "region": region or "",
        "f": this,
        "trend": trend["by_month"],
        "made_at": shown(now()),
    }


def render_report(data: dict[str, Any]) -> str:
    """The report as one self-contained page (its styles inline), for printing from a file."""
    css = (HERE / "static" / "style.css").read_text(encoding="utf-8")
    return templates.get_template("report.html").render(**data, standalone=True, inline_css=css)


def pdf_of(html: str) -> bytes:
    """Print the report with headless Chromium, as the case's papers are printed (services.printing)."""
    return print_pdf(html, what="the report")


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, month: Month = None, region: Region = None) -> Any:
    caller = viewer(request)
    question = _question(caller, None, None, region)
    month = month or _opening_month(question)
    data = report_data(month, region or None, question)
    return page(request, "report.html", caller, **data, standalone=False)


@router.get("/report.pdf")
def report_pdf(request: Request, month: Month = None, region: Region = None) -> Response:
    caller = viewer(request)
    expensive(caller)  # each PDF starts Chromium
    question = _question(caller, None, None, region)
    month = month or _opening_month(question)
    html = render_report(report_data(month, region or None, question))
    name = f"fengqiao-report-{month}{'-' + region if region else ''}.pdf"
    return Response(
        pdf_of(html), media_type="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"}
    )


def _opening_month(question: Question) -> str:
    """The latest month with a case the viewer may see; this month (China time) when there is none."""
    return latest_month_with_cases(question) or day_of(now()).strftime("%Y-%m")


@router.get("/config", response_class=HTMLResponse)
def config_page(
    request: Request,
    whatif: Annotated[int | None, Query(ge=1, description="a stored version to replay")] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> Any:
    caller = viewer(request)
    if whatif is not None:
        expensive(caller)  # a what-if replays the period's cases
    versions = config_versions()
    current = latest.number if (latest := stored_version()) else None
    network = network_of(current) if current else None
    proposed = found.document if whatif and (found := stored_version(whatif)) else None
    replayed = None
    if proposed is not None:
        until = now()
        areas, orgs = jurisdiction(caller)  # the cases the key may see, as its case list
        within = CaseFilter(within_areas=areas, within_orgs=orgs)
        replayed = what_if(proposed, since=until - timedelta(days=days), until=until, within=within)
    return page(
        request,
        "config.html",
        caller,
        versions=versions,
        current=current,
        network=network,
        whatif=whatif,
        days=days,
        replayed=replayed,
    )
