"""What an API body must be: JSON (Content-Type application/json, or none at all), encoded as UTF-8;
or, for a file's upload, multipart/form-data.

An integrator whose client sends a form type, text or a GBK-encoded body is told exactly that
(415 naming the Content-Type, 422 saying UTF-8 is required) instead of "the body is not JSON",
or worse, having a form-typed body read as JSON. The dashboard's forms are checked by its own
rules (urlencoded only), so only paths under /api/ are held to these.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import Scope

from fengqiao.api.errors import error_response

JSON_TYPE = "application/json"
UPLOAD_TYPE = "multipart/form-data"
NOT_UTF8 = (
    "请求体须为UTF-8编码 the body is not UTF-8: send JSON encoded as UTF-8 (GBK and other encodings are not read)"
)


def body_refusal(scope: Scope, body: bytes) -> Response | None:
    """The answer to a body the API will not read, or None: 415 for a type other than JSON or a
    charset other than UTF-8, 422 for bytes that are not UTF-8."""
    if not scope.get("path", "").startswith("/api/") or scope.get("method") not in ("POST", "PUT", "PATCH"):
        return None
    declared = dict(scope.get("headers") or []).get(b"content-type")
    if declared is not None:
        media, _, params = declared.decode("latin-1").partition(";")
        media = media.strip().lower()
        if media == UPLOAD_TYPE:  # a signed copy's upload (POST /cases/{id}/documents): its parts are bytes
            return None
        if media != JSON_TYPE and not (media.startswith("application/") and media.endswith("+json")):
            return error_response(
                415,
                "unsupported_media_type",
                f"请以JSON提交 send the body as Content-Type: {JSON_TYPE}, not {media or '(empty)'}",
                "Content-Type",
            )
        charset = _charset(params)
        if charset not in (None, "utf-8", "utf8"):
            return error_response(
                415,
                "unsupported_media_type",
                f"请求体须为UTF-8编码 the body must be UTF-8, not charset={charset}",
                "Content-Type",
            )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return error_response(422, "invalid_input", NOT_UTF8, "body")
    return None


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None
