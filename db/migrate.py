"""`fengqiao db upgrade`: alembic, configured in code so no alembic.ini is needed beside the data.

Every command brings the schema to head before it reads. Importing alembic (it loads the DDL of
every dialect) and running it costs about 0.1 s, a fifth of a read-only command's start, so
`ensure_schema` first compares the stored revision with the scripts' head and calls alembic only
when they differ.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from fengqiao.models.errors import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# `revision = "0011"` and `down_revision = "0010"` (annotated or not), as alembic's templates write them
_REVISION = re.compile(r"""^(down_)?revision(?:\s*:[^=\n]+)?\s*=\s*["'](\w+)["']""", re.MULTILINE)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate; a database that cannot be reached or named is a configuration error, not a traceback."""
    from alembic import command

    try:
        command.upgrade(alembic_config(url), revision)
    except (SQLAlchemyError, ModuleNotFoundError) as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigurationError(
            f"FENGQIAO_DATABASE_URL: 无法使用数据库 cannot use the database {shown}: {reason}", field="database_url"
        ) from None


def ensure_schema(url: str) -> None:
    """The schema at head: alembic runs only when the stored revision is not the scripts' single head."""
    head = head_revision()
    if head is None or _stored_revision(url) != head:
        upgrade(url)  # also the path that turns an unreachable database into its one-line error


def head_revision() -> str | None:
    """The revision no script names as its down_revision, read from the scripts' text without importing
    them; None unless there is exactly one (alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        for down, revision in _REVISION.findall(script.read_text(encoding="utf-8")):
            (parents if down else revisions).add(revision)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(url: str) -> str | None:
    from fengqiao.db.engine import get_engine

    try:
        with get_engine(url).connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from fengqiao.db.engine import get_engine

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
