"""The dashboard's frame: templates, static assets (vendored, no CDN), and who is looking.

A coordinator signs in with their API key once; the browser then holds only a session id
(HttpOnly, SameSite=Strict), looked up with its key on every page, so a session ends at its
expiry, at sign-out, or on the next click after the key is revoked. Every form posted carries
the session's token and must come from this site (Origin); coordinators and administrators
sign in to the board, mediators to their own pages; jurisdictions apply as in the API.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from fengqiao.api.auth import count
from fengqiao.channels.ledger import TYPES_ZH
from fengqiao.config.settings import get_settings
from fengqiao.db.sessions import form_token
from fengqiao.models.access import ROLE_ZH, Caller, Role
from fengqiao.models.figures import OUTCOME_ZH
from fengqiao.models.names import duplicate_state_shown, reason_shown, rule_shown, step_shown, whatif_result
from fengqiao.models.points import CREDIT as POINTS_CREDIT
from fengqiao.models.times import shown
from fengqiao.models.vocabulary import LABELS_ZH
from fengqiao.services.names import current_names
from fengqiao.services.sessions import session_caller

HERE = Path(__file__).parent
COOKIE = "fq_dashboard_session"
FORM_TOKEN = "csrf"  # the hidden field every form posts
CSP = (  # the pages load their own script and stylesheet; charts use inline style attributes
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
VIEWERS = (Role.COORDINATOR, Role.ADMIN)
MEDIATORS = (Role.MEDIATOR,)  # their own pages (dashboard/mediators.py): the worklist and their cases
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
templates.env.filters["shown"] = shown  # every time on a page: China time, labelled
templates.env.globals.update(ROLE_ZH=ROLE_ZH, STAGE_ORDER=STAGE_ORDER, LEVEL_ORDER=LEVEL_ORDER)
# names where people expect names (models.names): a page reads the applied network's once (`{% set n = names() %}`)
templates.env.globals.update(names=current_names, reason_shown=reason_shown, rule_shown=rule_shown)
templates.env.globals.update(step_shown=step_shown, whatif_result=whatif_result, POINTS_CREDIT=POINTS_CREDIT)
templates.env.globals.update(duplicate_state_shown=duplicate_state_shown)


class SignInNeeded(Exception):
    """No valid key in the cookie: the edge answers with the sign-in page."""


class NotAViewer(Exception):
    def __init__(self, caller: Caller) -> None:
        self.caller = caller


class Refused(Exception):
    """A form post that may not be the signed-in person's own (CSRF): answered with a page, never obeyed."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status, self.why = status, why


def viewer(request: Request, roles: tuple[Role, ...] = VIEWERS) -> Caller:
    """The signed-in coordinator or administrator (or one of roles), counted against the pages' limit per key."""
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        raise SignInNeeded
    caller = session_caller(session_id)
    if caller is None:
        raise SignInNeeded
    if caller.role not in roles:
        raise NotAViewer(caller)
    request.state.form_token = form_token(session_id)
    request.state.caller = caller  # for a page the edge answers in its place (dashboard/app.py: invalid.html)
    count("pages", caller.key_id, caller.name)
    return caller


def expensive(caller: Caller) -> None:
    """Count a page that prints a PDF or replays cases against the stricter limit per key."""
    count("expensive", caller.key_id, caller.name)


async def posted_form(request: Request, *, signed_in: bool = True) -> dict[str, str]:
    """A form's fields, if the post is this site's own: a urlencoded form (a page of another site
    can send text/plain without asking), from this site's origin, with the session's token."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refused(415, f"a form is sent as application/x-www-form-urlencoded, not {kind or 'nothing'}")
    from_this_site(request)
    form = await form_of(request)
    if signed_in:
        check_form_token(request, form.get(FORM_TOKEN, ""))
    return form


def from_this_site(request: Request) -> None:
    """Refused unless the post comes from this site's own origin (a multipart upload's too)."""
    host = request.headers.get("host", "")
    for header in ("origin", "referer"):  # browsers send Origin with every post; Referer is the fallback
        if (sent := request.headers.get(header)) is not None:
            if urlsplit(sent).netloc != host:
                raise Refused(403, f"the form was sent from another site ({header} {sent[:100]})")
            break


def check_form_token(request: Request, token: str) -> None:
    """Refused unless the form carries the signed-in session's token (CSRF)."""
    if not hmac.compare_digest(token.encode(), getattr(request.state, "form_token", "").encode()):
        raise Refused(403, "the form's token is missing or out of date: reload the page and send it again")


async def form_of(request: Request) -> dict[str, str]:
    """A urlencoded form's fields (one value each), without a multipart dependency."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def page(request: Request, name: str, caller: Caller | None, **context: Any) -> Response:
    s = get_settings()
    return templates.TemplateResponse(
        request,
        name,
        {
            "caller": caller,
            "poll_seconds": s.dashboard_poll_seconds,
            "prefect_ui": prefect_ui_url(),
            "form_token": getattr(request.state, "form_token", ""),
            **context,
        },
    )


def prefect_ui_url() -> str | None:
    """Where Prefect's UI shows a flow run, or None where there is none to link to.

    FENGQIAO_PREFECT_UI_URL, else Prefect's own PREFECT_UI_URL, else a Prefect server's API URL
    without /api. The embedded default (no PREFECT_API_URL given) is Prefect's ephemeral server,
    which serves no UI: a link there would be dead, so the pages say how to get one instead.
    """
    import os

    from fengqiao.config.prefect_env import is_embedded

    explicit = get_settings().prefect_ui_url or os.environ.get("PREFECT_UI_URL")
    if explicit:
        return explicit.rstrip("/")
    api = os.environ.get("PREFECT_API_URL", "")
    return api[: -len("/api")] if api.endswith("/api") and not is_embedded() else None
