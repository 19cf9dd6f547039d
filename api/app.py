"""The HTTP API under /api/v1: the app, its limits and its health check."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fengqiao.api import (
    agreements,
    cases,
    documents,
    expert_opinions,
    intake,
    judicial_confirmation,
    network,
    parking,
    points,
    screening,
    sessions,
    subsidies,
    webhooks,
    worklist,
)
from fengqiao.api.auth import configure_rate_limits
from fengqiao.api.content import body_refusal
from fengqiao.api.errors import error_response, install_error_handlers
from fengqiao.api.headers import DOCS, SecurityHeaders
from fengqiao.api.schemas import Health
from fengqiao.config.settings import Settings, get_settings
from fengqiao.services.health import database_health

DESCRIPTION = """
枫桥 fengqiao: the People's Mediation case pipeline.

Authenticate with `Authorization: Bearer <key>` (keys are made with `fengqiao keys create`).
Each operation lists the roles that may call it under `x-roles`. A case outside the key's
jurisdiction answers 404. Errors are always `{"error": {"code", "message", "field"}}`.
Personal data is masked unless a mediator or coordinator unmasks it with a reason (logged).
"""


class RequestGuard:
    """Refuse, before the app reads it, a body over the limit (413) and a NUL character anywhere (422).

    PostgreSQL text cannot hold NUL; refusing it at the door keeps both databases alike and turns
    what would be a driver error into the error shape every client already handles.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int | None = None) -> None:
        self.app, self.json_bytes, self.upload_bytes = app, max_bytes, upload_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("method") == "POST" and bool(documents.UPLOAD_PATH.match(scope.get("path", "")))
        limit = self.upload_bytes if upload else self.json_bytes  # a signed copy is binary, and larger
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(413, "body_too_large", too_large(limit), scope, receive, send)
            return
        if "%00" in scope.get("raw_path", b"").decode("latin-1") + scope.get("query_string", b"").decode("latin-1"):
            await _refuse(422, "invalid_input", "the URL contains a NUL character", scope, receive, send)
            return
        body = b""  # at most max_bytes: read whole, checked, then handed to the app
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":  # gone before the body was whole: nothing to answer
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await _refuse(413, "body_too_large", too_large(limit), scope, receive, send)
                return
            if not message.get("more_body"):
                break
        # an upload is multipart with a binary file, its type judged by content (models.uploads)
        if not upload and (refusal := body_refusal(scope, body)):  # not JSON by its type, or not UTF-8
            await refusal(scope, receive, send)
            return
        if not upload and has_nul(body, dict(scope.get("headers") or []).get(b"content-type", b"")):
            await _refuse(422, "invalid_input", "the body contains a NUL character (\\u0000)", scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # after the body: a disconnect, as the server reports it
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


# A JSON escape that decodes to NUL: `\u0000` after an even number of backslashes. In `\\u0000`
# the backslash is itself escaped, and the text is the six characters \u0000, which is allowed.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def has_nul(body: bytes, content_type: bytes) -> bool:
    """Whether the body holds a NUL once decoded: a raw byte, a JSON escape, or `%00` in a urlencoded form."""
    if b"\x00" in body or _JSON_NUL.search(body):
        return True
    return content_type.split(b";")[0].strip().lower() == b"application/x-www-form-urlencoded" and b"%00" in body


def too_large(limit: int) -> str:
    return f"请求内容过大 the request body is over {limit} bytes"


async def _refuse(status: int, code: str, message: str, scope: Scope, receive: Receive, send: Send) -> None:
    field = {413: None}.get(status, "url" if "URL" in message else "body")
    await error_response(status, code, message, field)(scope, receive, send)


health_router = APIRouter(tags=["health 运行状态"])


@health_router.get("/health", response_model=Health)
def health() -> Health:
    """运行状态 Whether the database and Prefect answer. No key needed; says nothing about cases."""
    database = database_health()
    prefect = _prefect_health()
    return Health(
        status="ok" if database == "ok" and prefect == "ok" else "degraded", database=database, prefect=prefect
    )


def _prefect_health() -> str:
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        return "embedded (not started in this process)"
    try:
        return "ok" if httpx.get(f"{url.rstrip('/')}/health", timeout=2.0).status_code == 200 else "unhealthy"
    except httpx.HTTPError as exc:
        return f"unreachable: {type(exc).__name__}"


def create_app(settings: Settings | None = None, *, policies: Mapping[str, str] | None = None) -> FastAPI:
    """The API; policies: a Content-Security-Policy per path prefix, for pages served beside it."""
    settings = settings or get_settings()
    configure_rate_limits(settings)
    app = FastAPIOffline(  # Swagger UI and ReDoc from the installed package: the docs work without the internet
        title="fengqiao 枫桥 API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url="/api/v1/redoc",
        static_url="/api/v1/docs/static",
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from the validator's public site
    )
    install_error_handlers(app)
    app.add_middleware(RequestGuard, max_bytes=settings.api_max_body_bytes, upload_bytes=settings.document_max_bytes)
    app.add_middleware(SecurityHeaders, policies={"/api/v1/docs": DOCS, "/api/v1/redoc": DOCS, **(policies or {})})
    for router in (
        intake.router,
        cases.router,
        sessions.router,
        agreements.router,
        judicial_confirmation.router,
        documents.router,
        expert_opinions.router,
        worklist.router,
        parking.router,
        network.router,
        points.router,
        screening.router,
        subsidies.router,
        webhooks.router,
        health_router,
    ):
        app.include_router(router, prefix="/api/v1")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(intake.COMPONENTS)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
