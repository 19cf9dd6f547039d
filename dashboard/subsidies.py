"""The monthly case-subsidy statement (以案定补结算单) for the finance office: a page, CSV and PDF."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from fengqiao.dashboard.reports import pdf_of
from fengqiao.dashboard.site import HERE, expensive, page, templates, viewer
from fengqiao.models.access import Caller
from fengqiao.models.subsidies import RESULT_LABELS, Statement
from fengqiao.services.names import current_names
from fengqiao.services.subsidies import current_month, month_shown, monthly_statement, statement_rows

router = APIRouter(prefix="/dashboard", include_in_schema=False)
Month = Annotated[str | None, Query(max_length=40)]  # checked as a month by the service, naming it
Org = Annotated[str | None, Query()]  # a committee the network lacks: refused by the service, naming it


def _shown(s: Statement) -> dict[str, Any]:
    """What the template shows beside the statement: names for codes, bilingual results, the month's state."""
    return {"s": s, "names": current_names(), "results": RESULT_LABELS, "month_shown": month_shown(s)}


def render_statement(s: Statement, org: str | None) -> str:
    """The statement as one self-contained page (its styles inline), for printing from a file: with
    the lines the finance office signs and stamps (制表人, 审核人, 盖章)."""
    css = (HERE / "static" / "style.css").read_text(encoding="utf-8")
    return templates.get_template("subsidies.html").render(**_shown(s), org=org or "", standalone=True, inline_css=css)


def csv_of(s: Statement) -> bytes:
    """UTF-8 with a byte-order mark, so the finance office's spreadsheet reads the Chinese headers."""
    out = io.StringIO()
    csv.writer(out).writerows(statement_rows(s, current_names()))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _part(org: str | None) -> str:
    """The committee in a file's name (Content-Disposition): its code as ASCII letters, digits, - and _
    (a code is any text the network YAML gives: "-" + "_" for each other character)."""
    return "-" + re.sub(r"[^A-Za-z0-9_-]", "_", org) if org else ""


def _statement(month: str | None, org: str | None, caller: Caller) -> Statement:
    """The signed-in caller's statement: the cases its jurisdiction covers, as the API answers it."""
    return monthly_statement(month or current_month(), org or None, caller=caller)


@router.get("/subsidies", response_class=HTMLResponse)
def subsidies_page(request: Request, month: Month = None, org: Org = None) -> Any:
    caller = viewer(request)
    s = _statement(month, org, caller)  # a bad month or committee: the error page (dashboard/app.py)
    return page(request, "subsidies.html", caller, **_shown(s), org=org or "", standalone=False)


@router.get("/subsidies.csv")
def subsidies_csv(request: Request, month: Month = None, org: Org = None) -> Response:
    caller = viewer(request)
    s = _statement(month, org, caller)
    name = f"fengqiao-subsidies-{s.month}{_part(org)}.csv"
    return Response(csv_of(s), media_type="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})


@router.get("/subsidies.pdf")
def subsidies_pdf(request: Request, month: Month = None, org: Org = None) -> Response:
    caller = viewer(request)
    expensive(caller)  # each PDF starts Chromium
    s = _statement(month, org, caller)
    name = f"fengqiao-subsidies-{s.month}{_part(org)}.pdf"
    body = pdf_of(render_statement(s, org))
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"})
