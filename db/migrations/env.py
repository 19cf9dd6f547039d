"""Alembic environment: runs migrations on the engine fengqiao itself uses."""

from alembic import context

from fengqiao.db.engine import get_engine
from fengqiao.db.tables import declare_partial_indexes, metadata

url = context.config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url is set by db.migrate.alembic_config"
declare_partial_indexes()
with get_engine(url).connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
