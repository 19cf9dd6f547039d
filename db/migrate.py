"""`fengqiao db upgrade`: alembic, configured in code so no alembic.ini is needed beside the data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from fengqiao.models.errors import ConfigurationError

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate; a database that cannot be reached or named is a configuration error, not a traceback."""
    try:
        command.upgrade(alembic_config(url), revision)
    except (SQLAlchemyError, ModuleNotFoundError) as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigurationError(
            f"FENGQIAO_DATABASE_URL: cannot use the database {shown}: {reason}", field="database_url"
        ) from None


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from fengqiao.db.engine import get_engine

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
