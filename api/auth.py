"""Keys, roles and the rate limit: the dependencies every operation declares.

`allow(...)` both enforces the roles and writes them into the OpenAPI operation as `x-roles`,
so the authorisation test is generated from the same declaration the app enforces.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiError, documented
from db import access
from db.uow import UnitOfWork
from models.access import Caller, Role
from tasks.context import engine

bearer = HTTPBearer(auto_error=False, description="an API key made with `fengqiao keys create`")


class RateLimit:
    """A token bucket per key, in this process: `per_minute` requests, refilled evenly."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(key_id, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            if tokens < 1:
                self._buckets[key_id] = (tokens, now)
                return (1 - tokens) / rate
            self._buckets[key_id] = (tokens - 1, now)
            return 0.0


_limits: dict[str, RateLimit] = {}


def configure_rate_limit(per_minute: int) -> None:
    _limits["api"] = RateLimit(per_minute)


def current_caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    if credentials is None:
        raise ApiError(
            401, "unauthenticated", "send Authorization: Bearer <key>", headers={"WWW-Authenticate": "Bearer"}
        )
    with UnitOfWork(engine()) as uow:
        caller = access.caller_for(uow.conn, credentials.credentials)
    if caller is None:
        raise ApiError(401, "invalid_key", "the key is unknown or revoked", headers={"WWW-Authenticate": "Bearer"})
    if (limit := _limits.get("api")) and (wait := limit.take(caller.key_id)):
        raise ApiError(
            429,
            "rate_limited",
            f"more than {limit.per_minute} requests a minute for key {caller.name}",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]


def allow(*roles: Role, errors: tuple[int, ...] = ()) -> dict[str, Any]:
    """Keyword arguments for a route: the role check, `x-roles` in OpenAPI, the errors it may answer."""

    def check(caller: CallerDep) -> Caller:
        if caller.role not in roles:
            raise ApiError(403, "forbidden", f"role {caller.role} may not call this; allowed: {', '.join(roles)}")
        return caller

    return {
        "dependencies": [Depends(check)],
        "openapi_extra": {"x-roles": [r.value for r in roles]},
        "responses": documented(401, 403, 413, 422, 429, *errors),
    }
