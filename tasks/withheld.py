"""What Prefect may learn of a failure: the error's type, never its text.

Prefect logs a failed task's or flow's exception (its repr and traceback, chained causes
included) and keeps `Type: text` as the run state's message, on its server. A database error's
text can hold the values of the failed statement: PostgreSQL's DETAIL repeats a key that was
refused (`Key (match_key)=(…)`), a trigger's message may quote a row. So the tasks and flows
raise our own errors as they are (their messages name records and fields, not values) and put
anything else into a StepFailed that carries its type, SQLSTATE and whether the connection was
lost, raised outside the handler so that no traceback chains back to the original.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from fengqiao.db.retry import failure_kind, is_lost_connection
from fengqiao.models.errors import FengqiaoError, StepFailed

P = ParamSpec("P")
T = TypeVar("T")


def withheld(fn: Callable[P, T]) -> Callable[P, T]:
    """fn, whose failures reach the caller (and Prefect) as a domain error or a StepFailed."""

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except FengqiaoError:
            raise
        except Exception as exc:  # noqa: BLE001 - every other error is withheld, then raised again
            failure = StepFailed(failure_kind(exc), lost_connection=is_lost_connection(exc))
        raise failure  # outside the handler: no __context__, nothing of the original's text

    # Prefect builds its parameter model from the signature and resolves names in the wrapper's
    # module: give it fn's signature with the annotations already resolved in fn's own module.
    call.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    return call
