"""Run a task again when its database connection was lost: every step is idempotent, so the run goes on."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from fengqiao.config.logging import get_logger
from fengqiao.db.retry import is_lost_connection

RETRY_DELAYS = (0.2, 0.5, 1.0)  # seconds before each retry of a step whose database connection was lost
P = ParamSpec("P")
T = TypeVar("T")


def retrying(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """fn(*args, **kwargs), run again (three times at most, after a short pause) while it fails
    because its database connection was lost: every step is idempotent, so the run goes on."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if delay is None or not is_lost_connection(exc):
                raise
            name = getattr(fn, "name", getattr(fn, "__name__", "step"))
            get_logger(component="steps").warning("db.connection_lost.retry", step=name, error=type(exc).__name__)
            time.sleep(delay)
    raise AssertionError("unreachable")
