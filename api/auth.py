"""Keys, roles and the rate limits: the dependencies every operation declares.

`allow(...)` both enforces the roles and writes them into the OpenAPI operation as `x-roles`,
so the authorisation test is generated from the same declaration the app enforces.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fengqiao.api.errors import ApiError, documented
from fengqiao.config.settings import Settings
from fengqiao.models.access import Caller, Role
from fengqiao.services.keys import caller_for

bearer = HTTPBearer(auto_error=False, description="an API key made with `fengqiao keys create`")


class RateLimit:
    """Token buckets in this process: `per_minute` requests per subject (a key, an address), refilled evenly.

    At most `max_subjects` buckets are kept: the least recently used goes first (a bucket left
    alone for a minute is full again, as good as absent), so a flood of addresses cannot fill memory.
    """

    def __init__(self, per_minute: int, max_subjects: int = 10_000) -> None:
        self.per_minute, self.max_subjects = per_minute, max_subjects
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _tokens(self, subject: Hashable, now: float) -> float:
        tokens, then = self._buckets.get(subject, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + (now - then) * self.per_minute / 60.0)

    def take(self, subject: Hashable) -> float:
        """0 if the request may go ahead (and it is counted), else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens = self._tokens(subject, now)
            taken = tokens >= 1
            self._buckets[subject] = (tokens - 1 if taken else tokens, now)
            self._buckets.move_to_end(subject)
            while len(self._buckets) > self.max_subjects:
                self._buckets.popitem(last=False)
        return 0.0 if taken else (1 - tokens) * 60.0 / self.per_minute


LIMITS: dict[str, RateLimit] = {}
WHAT = {  # how a 429 names what was counted
    "api": "requests a minute for key {who}",
    "address": "sign-in attempts or requests with an unknown key a minute from this address",
    "pages": "dashboard pages a minute for key {who}",
    "expensive": "reports or replays (PDF, what-if) a minute for key {who}",
}


def configure_rate_limits(settings: Settings) -> None:
    LIMITS["api"] = RateLimit(settings.api_rate_per_minute)
    LIMITS["address"] = RateLimit(settings.address_rate_per_minute)
    LIMITS["pages"] = RateLimit(settings.dashboard_rate_per_minute)
    LIMITS["expensive"] = RateLimit(settings.dashboard_expensive_per_minute)


class TooMany(Exception):
    """A limit passed: the API answers 429 JSON, the dashboard a 429 page; both with Retry-After."""

    def __init__(self, limit: str, wait: float, who: str = "") -> None:
        self.retry_after = max(1, math.ceil(wait))
        self.message = f"more than {LIMITS[limit].per_minute} {WHAT[limit].format(who=who)}"
        super().__init__(self.message)


def count(limit: str, subject: Hashable, who: str = "") -> None:
    """Count one request against a limit, raising TooMany past it."""
    if (bucket := LIMITS.get(limit)) and (wait := bucket.take(subject)):
        raise TooMany(limit, wait, who)


def client_address(request: Request) -> str:
    """The peer's address, as the server saw it (behind a proxy: as uvicorn's --proxy-headers set it)."""
    return request.client.host if request.client else "unknown"


def _refused(exc: TooMany) -> ApiError:
    return ApiError(429, "rate_limited", exc.message, headers={"Retry-After": str(exc.retry_after)})


def current_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    if credentials is None:
        raise ApiError(
            401,
            "unauthenticated",
            "缺少密钥 no key: send Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    caller = caller_for(credentials.credentials)
    try:
        if caller is None:  # counted per address; a valid key from the same address is not held back
            count("address", client_address(request))
            raise ApiError(
                401,
                "invalid_key",
                "密钥无效或已吊销 the key is unknown or revoked",
                headers={"WWW-Authenticate": "Bearer"},
            )
        count("api", caller.key_id, caller.name)
    except TooMany as exc:
        raise _refused(exc) from None
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
KEY_CHARS = 150  # stored as "{key_id}:{key}" in a 200-character column
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=KEY_CHARS,
        pattern=r"^[ -~]+$",
        description=f"1 to {KEY_CHARS} printable ASCII characters, scoped to the calling key: "
        "the same key again gets the first answer, with a different request 409 input_conflict",
    ),
]


def scoped(caller: Caller, idempotency_key: str | None) -> str | None:
    """An Idempotency-Key as stored: the calling key's id before it, so two keys never collide."""
    return f"{caller.key_id}:{idempotency_key}" if idempotency_key else None


def allow(*roles: Role, errors: tuple[int, ...] = ()) -> dict[str, Any]:
    """Keyword arguments for a route: the role check, `x-roles` in OpenAPI, the errors it may answer."""

    def check(caller: CallerDep) -> Caller:
        if caller.role not in roles:
            raise ApiError(
                403, "forbidden", f"此角色无权调用 role {caller.role} may not call this; allowed: {', '.join(roles)}"
            )
        return caller

    return {
        "dependencies": [Depends(check)],
        "openapi_extra": {"x-roles": [r.value for r in roles]},
        "responses": documented(401, 403, 413, 422, 429, *errors),
    }
