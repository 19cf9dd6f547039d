"""The monthly case-subsidy statement (以案定补结算单) for the finance office: a page, CSV and PDF."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from fengqiao.dashboard.reports import pdf_of
from fengqiao.dashboard.site import HERE, expensive, page, templates, viewer
from fengqiao.models.clocks import day_of
from fengqiao.models.subsidies import Statement
from fengqiao.services.runtime import now
from fengqiao.services.stats import MONTH_PATTERN
from fengqiao.services.subsidies import monthly_statement, statement_rows

router = APIRouter(prefix="/dashboard", include_in_schema=False)
Month = Annotated[str | None, Query(pattern=MONTH_PATTERN)]
Org = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{0,64}$")]


def render_statement(s: Statement, org: str | None) -> str:
    """The statement as one self-contained page (its styles inline), for printing from a file."""
    css = (HERE / "static" / "style.css").read_text(encoding="utf-8")
    return templates.get_template("subsidies.html").render(s=s, org=org or "", standalone=True, inline_css=css)


def csv_of(s: Statement) -> bytes:
    """UTF-8 with a byte-order mark, so the finance office's spreadsheet reads the Chinese headers."""
    out = io.StringIO()
    csv.writer(out).writerows(statement_rows(s))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _statement(month: str | None, org: str | None) -> Statement:
    return monthly_statement(month or day_of(now()).strftime("%Y-%m"), org or None)


@router.get("/subsidies", response_class=HTMLResponse)
def subsidies_page(request: Request, month: Month = None, org: Org = None) -> Any:
    caller = viewer(request)
    return page(request, "subsidies.html", caller, s=_statement(month, org), org=org or "", standalone=False)


@router.get("/subsidies.csv")
def subsidies_csv(request: Request, month: Month = None, org: Org = None) -> Response:
    viewer(request)
    s = _statement(month, org)
    name = f"fengqiao-subsidies-{s.month}{'-' + org if org else ''}.csv"
    return Response(csv_of(s), media_type="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})


@router.get("/subsidies.pdf")
def subsidies_pdf(request: Request, month: Month = None, org: Org = None) -> Response:
    caller = viewer(request)
    expensive(caller)  # each PDF starts Chromium
    s = _statement(month, org)
    name = f"fengqiao-subsidies-{s.month}{'-' + org if org else ''}.pdf"
    body = pdf_of(render_statement(s, org))
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"})
