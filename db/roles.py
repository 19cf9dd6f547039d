"""PostgreSQL: the application's role, which may only INSERT and SELECT the evidence tables.

Why: triggers refuse UPDATE and DELETE on the timeline and access log, but a table's owner may
drop or disable them, and TRUNCATE never fires a row trigger. So migrations run as the owner
(FENGQIAO_OWNER_DATABASE_URL) and the application connects as a role of its own
(FENGQIAO_DATABASE_URL), which owns nothing: it may read and write the other tables, only INSERT
and SELECT the evidence tables, only SELECT alembic_version, and create nothing in the schema.
A role that is not a table's owner can neither TRUNCATE it, without the privilege, nor drop or
disable its triggers. `fengqiao db upgrade` makes the role if it is missing (with the URL's
password) and grants all this again after every migration, so new tables are covered.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from fengqiao.db.engine import get_engine
from fengqiao.db.migrate import upgrade
from fengqiao.models.errors import ConfigurationError

APPEND_ONLY = ("transitions", "access_log")  # the evidence: INSERT and SELECT only
READ_ONLY = ("alembic_version",)

_GRANTS = f"""
DO $$
DECLARE
  app text := current_setting('fengqiao.app_role');
  schema text := current_schema();
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app) THEN
    IF current_setting('fengqiao.app_password') = '' THEN
      EXECUTE format('CREATE ROLE %I LOGIN', app);
    ELSE
      EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', app, current_setting('fengqiao.app_password'));
    END IF;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), app);
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema, app);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', schema, app);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', schema, app);
  EXECUTE format('REVOKE ALL ON {", ".join(APPEND_ONLY + READ_ONLY)} FROM %I', app);
  EXECUTE format('GRANT SELECT, INSERT ON {", ".join(APPEND_ONLY)} TO %I', app);
  EXECUTE format('GRANT SELECT ON {", ".join(READ_ONLY)} TO %I', app);
END $$
"""


def upgrade_as_owner(owner_url: str, app_url: str) -> str:
    """Migrate as the owner, then make (if missing) and grant the role FENGQIAO_DATABASE_URL names; its name."""
    owner, app = make_url(owner_url), make_url(app_url)
    if owner.get_backend_name() != "postgresql" or app.get_backend_name() != "postgresql":
        raise ConfigurationError(
            "FENGQIAO_OWNER_DATABASE_URL: 所有者角色仅用于PostgreSQL，使用SQLite时不要设置 "
            "an owner's role is for PostgreSQL; with SQLite leave it unset",
            field="owner_database_url",
        )
    if (owner.host, owner.port, owner.database) != (app.host, app.port, app.database):
        raise ConfigurationError(
            "FENGQIAO_OWNER_DATABASE_URL 与 FENGQIAO_DATABASE_URL 须指向同一数据库 "
            "FENGQIAO_OWNER_DATABASE_URL and FENGQIAO_DATABASE_URL must name the same database",
            field="database_url",
        )
    if not app.username or app.username == owner.username:
        raise ConfigurationError(
            "FENGQIAO_DATABASE_URL 须为应用自己的用户，不能是所有者 "
            "FENGQIAO_DATABASE_URL must name the application's own user, not the owner's",
            field="database_url",
        )
    with get_engine(owner_url).begin() as conn:
        _refuse_powers(conn, app.username, owner.username)
    upgrade(owner_url)
    with get_engine(owner_url).begin() as conn:
        owned = conn.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = :r"),
            {"r": app.username},
        ).all()
        if owned:
            raise ConfigurationError(
                f"FENGQIAO_DATABASE_URL: {app.username} 拥有数据表，所有表须归所有者角色 "
                f"{app.username} owns {', '.join(sorted(owned))}: the owner's role must "
                f"own every table (ALTER TABLE … OWNER TO {owner.username})",
                field="database_url",
            )
        conn.execute(
            text("SELECT set_config('fengqiao.app_role', :r, true), set_config('fengqiao.app_password', :p, true)"),
            {"r": app.username, "p": app.password or ""},
        )
        conn.execute(text(_GRANTS))
        _refuse_leftover_privileges(conn, app.username)
    return app.username


POWERS = {"rolsuper": "SUPERUSER", "rolcreaterole": "CREATEROLE", "rolbypassrls": "BYPASSRLS"}
_MEMBER_OF = f"""
SELECT r.rolname, {", ".join(f"r.{a}" for a in POWERS)},
       r.rolname = :owner OR EXISTS (
         SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema() AND t.tableowner = r.rolname) AS owns
FROM pg_roles r
WHERE r.rolname <> :app AND pg_has_role(:app, r.oid, 'MEMBER')
ORDER BY r.rolname
"""


def _refuse_powers(conn: Connection, app: str, owner: str | None) -> None:
    """The application's user may hold no attribute and no membership that lifts it above its grants:
    SUPERUSER and BYPASSRLS pass every privilege, CREATEROLE lets it grant itself any role (the
    owner's too), and a member of the owner's role (or of a table's owner) may SET ROLE to it."""
    powers = conn.execute(text(f"SELECT {', '.join(POWERS)} FROM pg_roles WHERE rolname = :r"), {"r": app}).first()
    if powers is None:
        return  # fengqiao makes it, with none of them
    for column, name in POWERS.items():
        if getattr(powers, column):
            raise ConfigurationError(
                f"FENGQIAO_DATABASE_URL: {app} 具有 {name} 权限，可越过保证证据只增不改的授权 "
                f"{app} has {name}, which lifts it above the grants that keep the evidence "
                f"append-only (ALTER ROLE {app} NO{name})",
                field="database_url",
            )
    for role in conn.execute(text(_MEMBER_OF), {"app": app, "owner": owner}):
        held = [name for column, name in POWERS.items() if getattr(role, column)]
        if role.owns or held:
            what = "which owns the tables" if role.owns else f"which has {', '.join(held)}"
            raise ConfigurationError(
                f"FENGQIAO_DATABASE_URL: {app} 是 {role.rolname} 的成员，可以其身份行事 "
                f"{app} is a member of {role.rolname}, {what}, and may act as it "
                f"(REVOKE {role.rolname} FROM {app})",
                field="database_url",
            )


_LEFTOVER = f"""
SELECT tbl, priv FROM unnest(ARRAY[{", ".join(f"'{t}'" for t in APPEND_ONLY)}]) AS tbl,
                       unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER']) AS priv
WHERE has_table_privilege(:app, tbl, priv) ORDER BY tbl, priv
"""


def _refuse_leftover_privileges(conn: Connection, app: str) -> None:
    """After the grants, what the role may still do to the evidence through anything else (a grant to
    PUBLIC, pg_write_all_data), or a CREATE on the schema it could make objects with: refused, and
    the grants rolled back with it."""
    leftover = conn.execute(text(_LEFTOVER), {"app": app}).first()
    if leftover is not None:
        raise ConfigurationError(
            f"FENGQIAO_DATABASE_URL: {app} 仍可通过非 fengqiao 所做的授权对 {leftover.tbl} "
            f"执行 {leftover.priv}，须撤销 "
            f"{app} may still {leftover.priv} {leftover.tbl} through a grant fengqiao did not "
            "make (to PUBLIC, or a role such as pg_write_all_data): revoke it",
            field="database_url",
        )
    schema = conn.scalar(text("SELECT current_schema()"))
    if conn.scalar(text("SELECT has_schema_privilege(:app, current_schema(), 'CREATE')"), {"app": app}):
        raise ConfigurationError(  # PostgreSQL before 15 grants it to PUBLIC on the public schema
            f"FENGQIAO_DATABASE_URL: {app} 可在模式 {schema} 中建表或函数，须撤销 "
            f"{app} may CREATE in schema {schema} (a table or function beside the evidence, "
            f"granted to PUBLIC before PostgreSQL 15): REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
            field="database_url",
        )
