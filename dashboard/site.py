"""The dashboard's frame: templates, static assets (vendored, no CDN), and who is looking.

A coordinator signs in with their API key; it is kept in an HttpOnly, SameSite=Strict cookie and
checked against the database on every page, exactly as the API checks its bearer header, so a
revoked key stops working on the next click. Only coordinators and administrators see the
dashboard; jurisdictions apply as in the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.templating import Jinja2Templates

from channels.ledger import TYPES_ZH
from config.settings import get_settings
from db import access
from db.uow import UnitOfWork
from models.access import ROLE_ZH, Caller, Role
from models.figures import OUTCOME_ZH
from models.vocabulary import LABELS_ZH
from tasks.context import engine

HERE = Path(__file__).parent
COOKIE = "fq_dashboard_key"
VIEWERS = (Role.COORDINATOR, Role.ADMIN)
STAGE_ORDER = ("received", "triaged", "mediating", "escalated")
LEVEL_ORDER = ("grid", "community", "street", "district", "panel", "expert_pool", "none")
TYPE_ZH = {code: label for label, code in TYPES_ZH.items()}  # the screening ledger's names of dispute types
EXTRA_ZH = {"none": "未指派", "open": "办理中", "": "未分类", "emergency": "紧急", "normal": "一般"}

templates = Jinja2Templates(directory=HERE / "templates")


def zh(value: Any) -> str:
    """The Chinese label of a code, or the code."""
    v = "" if value is None else str(value)
    return LABELS_ZH.get(v) or OUTCOME_ZH.get(v) or TYPE_ZH.get(v) or EXTRA_ZH.get(v) or v


templates.env.filters["zh"] = zh
templates.env.globals.update(ROLE_ZH=ROLE_ZH, STAGE_ORDER=STAGE_ORDER, LEVEL_ORDER=LEVEL_ORDER)


class SignInNeeded(Exception):
    """No valid key in the cookie: the edge answers with the sign-in page."""


class NotAViewer(Exception):
    def __init__(self, caller: Caller) -> None:
        self.caller = caller


def viewer(request: Request) -> Caller:
    key = request.cookies.get(COOKIE)
    if not key:
        raise SignInNeeded
    with UnitOfWork(engine()) as uow:
        caller = access.caller_for(uow.conn, key)
    if caller is None:
        raise SignInNeeded
    if caller.role not in VIEWERS:
        raise NotAViewer(caller)
    return caller


async def form_of(request: Request) -> dict[str, str]:
    """A urlencoded form's fields (one value each), without a multipart dependency."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def page(request: Request, name: str, caller: Caller | None, **context: Any) -> Any:
    s = get_settings()
    return templates.TemplateResponse(
        request,
        name,
        {"caller": caller, "poll_seconds": s.dashboard_poll_seconds, "prefect_ui": prefect_ui_url(), **context},
    )


def prefect_ui_url() -> str | None:
    """Where Prefect's UI shows a flow run: FENGQIAO_PREFECT_UI_URL, else the API URL without /api."""
    import os

    explicit = get_settings().prefect_ui_url
    if explicit:
        return explicit.rstrip("/")
    api = os.environ.get("PREFECT_API_URL", "")
    return api[: -len("/api")] if api.endswith("/api") else None
