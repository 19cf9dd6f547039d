"""Security headers on every answer, the API's and the dashboard's alike.

Each path prefix may have its own Content-Security-Policy (the dashboard's pages load their own
script and styles; the API's docs pages load Swagger UI and ReDoc from this server, never a CDN);
everything else, JSON included, gets a policy that allows nothing. Framing is refused everywhere
(clickjacking), types are never sniffed, and the referrer never leaves the site.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS = (  # Swagger UI and ReDoc (api/app.py): their files from this server, the inline script that starts
    # Swagger UI, the styles ReDoc writes, and the worker ReDoc's search runs in
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
FIXED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # not no-referrer: browsers would then send `Origin: null` on form posts
}


class SecurityHeaders:
    """Adds the headers to each response's start; the longest matching prefix picks the policy."""

    def __init__(self, app: ASGIApp, policies: Mapping[str, str]) -> None:
        self.app = app
        self.policies = sorted(policies.items(), key=lambda p: -len(p[0]))

    def policy_for(self, path: str) -> str:
        return next((csp for prefix, csp in self.policies if path.startswith(prefix)), NOTHING)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(k.encode(), v.encode()) for k, v in FIXED.items()]
        extra.append((b"content-security-policy", self.policy_for(scope["path"]).encode()))
        names = {k for k, _ in extra}

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, with_headers)
