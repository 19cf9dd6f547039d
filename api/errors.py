"""The API's one error shape, `{"error": {"code", "message", "field"}}`, and the handlers that give it.

Domain errors become HTTP statuses here and nowhere else. ApiError is for what only the edge
knows about (keys, roles, limits). Anything else is a bug: a 500 with the same shape, logged by
its type only, and contained here so that no server prints its text (which can carry a record).
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fengqiao.config.logging import protect_server_logs
from fengqiao.models.errors import (
    CaseNotFound,
    ConcurrencyConflict,
    ConfigurationError,
    FengqiaoError,
    InputConflict,
    InvalidInput,
    NotConfirmable,
    NotParked,
    NotWaitingForInput,
    TransitionNotAllowed,
)
from fengqiao.models.invalid import public_name, why

log = structlog.get_logger("fengqiao.api")
NOT_JSON = "请求体不是有效的JSON the body is not JSON"

STATUS: dict[type[FengqiaoError], int] = {
    InvalidInput: 422,
    ConfigurationError: 422,  # a proposed configuration that fails its checks
    CaseNotFound: 404,
    TransitionNotAllowed: 409,
    NotWaitingForInput: 409,
    InputConflict: 409,
    ConcurrencyConflict: 409,
    NotParked: 409,
    NotConfirmable: 409,
}


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_waiting_for_input"])
    message: str = Field(examples=["case FQ20260000007 is closed and not waiting for outcome"])
    field: str | None = Field(default=None, examples=["result"])


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    """An error only the HTTP edge knows: no key, a role that may not, a limit passed."""

    def __init__(
        self, status: int, code: str, message: str, *, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.headers = status, code, message, field, headers


def error_response(status: int, code: str, message: str, field: str | None = None, **kw: Any) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, field=field))
    return JSONResponse(body.model_dump(), status_code=status, **kw)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FengqiaoError)
    status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 400)
    return error_response(status, exc.code, exc.message, exc.field)


def _edge(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.field, headers=exc.headers)


def validation_error(exc: RequestValidationError) -> tuple[str | None, str]:
    """(field, message) of the first thing wrong with a request, as every other error: the field by
    the name the sender wrote (`applicant.id_number`, `limit`), why in Chinese and English (models.invalid)."""
    err = exc.errors()[0] if exc.errors() else {"loc": (), "type": "", "msg": "invalid request"}
    if err.get("type") == "json_invalid":  # its loc is a character offset, not a field
        return "body", NOT_JSON
    loc = tuple(err.get("loc", ()))
    field = public_name(loc) or ("body" if loc[:1] == ("body",) else None)
    said = why(str(err.get("type", "")), str(err.get("msg", "")))
    return field, f"{field}: {said}" if field else said


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    field, message = validation_error(exc)
    return error_response(422, "invalid_input", message, field)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # FastAPI's "error parsing the body": not UTF-8, or nested too deep to parse
        return error_response(422, "invalid_input", NOT_JSON, "body")
    codes = {404: "not_found", 405: "method_not_allowed"}
    code = codes.get(exc.status_code, "http_error")
    said = {404: "没有这个接口 no such operation", 405: "此接口不接受该方法 method not allowed here"}
    message = (
        said.get(exc.status_code, str(exc.detail)) if exc.detail in ("Not Found", "Method Not Allowed") else exc.detail
    )
    return error_response(exc.status_code, code, str(message), headers=exc.headers)  # 405 carries Allow


def _bug(request: Request, exc: Exception) -> JSONResponse:
    """Logs the exception's type and the operation, never its text: a database error's text can carry a record."""
    route = request.scope.get("route")
    log.error("api.unhandled", path=getattr(route, "path", request.url.path), error=type(exc).__name__)
    return error_response(500, "internal_error", "an internal error; it has been logged")


class ContainErrors:
    """The outermost layer: an exception that passed every handler stops here.

    Starlette answers a bug with `_bug`'s 500 and then re-raises it for the server to log, and
    uvicorn prints the traceback with the exception's text: SQL parameters, a request's values.
    Here it is answered (if nothing was sent yet) and dropped; `_bug` has logged its type already.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # noqa: BLE001 - every exception is contained here, by design
            if not started:
                log.error("api.unhandled", path=scope.get("path", ""), error=type(exc).__name__)
                await error_response(500, "internal_error", "an internal error; it has been logged")(
                    scope, receive, send
                )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FengqiaoError, _domain)
    app.add_exception_handler(ApiError, _edge)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _bug)
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: ContainErrors(build())  # type: ignore[method-assign]
    protect_server_logs()


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error responses an operation declares in OpenAPI, so clients (and schemathesis) know them."""
    text = {
        400: "malformed request",
        401: "no key, or a key that is unknown or revoked",
        403: "the key's role may not call this",
        404: "no such case (or outside the key's jurisdiction)",
        409: "the case is not waiting for this, or a different answer is already recorded",
        413: "request body too large",
        422: "invalid input: the error names the field",
        429: "too many requests for this key; see Retry-After",
    }
    return {s: {"model": ErrorBody, "description": text[s]} for s in statuses}
