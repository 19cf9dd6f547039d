"""The two things every service needs from outside: the database engine and the clock.

One small module so that a test, a benchmark or another deployment changes them in one place.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fengqiao.config.settings import get_settings
from fengqiao.db.engine import get_engine
from fengqiao.db.uow import Engine


def engine() -> Engine:
    return get_engine(get_settings().resolved_database_url)


def now() -> datetime:
    return datetime.now(UTC)
