"""The API's one error shape, `{"error": {"code", "message", "field"}}`, and the handlers that give it.

Domain errors become HTTP statuses here and nowhere else. ApiError is for what only the edge
knows about (keys, roles, limits). Anything else is a bug: a 500 with the same shape, logged.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from models.errors import (
    CaseNotFound,
    ConcurrencyConflict,
    ConfigurationError,
    FengqiaoError,
    InputConflict,
    InvalidInput,
    NotWaitingForInput,
    TransitionNotAllowed,
)

log = structlog.get_logger("fengqiao.api")

STATUS: dict[type[FengqiaoError], int] = {
    InvalidInput: 422,
    ConfigurationError: 422,  # a proposed configuration that fails its checks
    CaseNotFound: 404,
    TransitionNotAllowed: 409,
    NotWaitingForInput: 409,
    InputConflict: 409,
    ConcurrencyConflict: 409,
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


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    err = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or None
    message = f"{field}: {err.get('msg')}" if field else str(err.get("msg"))
    return error_response(422, "invalid_input", message, field)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
    return error_response(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))


def _bug(request: Request, exc: Exception) -> JSONResponse:
    log.error("api.unhandled", path=request.url.path, error=type(exc).__name__)
    return error_response(500, "internal_error", "an internal error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FengqiaoError, _domain)
    app.add_exception_handler(ApiError, _edge)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _bug)


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
