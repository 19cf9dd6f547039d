"""PostgreSQL: `fengqiao db upgrade` with the owner's URL makes the application's role, which runs
the whole application yet may only INSERT and SELECT the timeline and access log: no UPDATE,
DELETE or TRUNCATE, and no dropping or disabling their triggers (only an owner may).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.config.settings import get_settings
from fengqiao.db.engine import get_engine
from fengqiao.services.case_reads import read_case
from fengqiao.services.evidence import verify
from tests.test_evidence_chain import a_mediating_case, caller

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


@pytest.fixture
def app_role(database: str, network: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The owner's URL is the test database's (made by the administrator); the application's names
    a role of its own, made by `fengqiao db upgrade`; dropped again afterwards (roles are cluster-wide)."""
    name = f"fq_app_{uuid.uuid4().hex[:10]}"
    app_url = make_url(database).set(username=name, password="pw'%:x").render_as_string(hide_password=False)
    monkeypatch.setenv("FENGQIAO_OWNER_DATABASE_URL", database)
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", app_url)
    get_settings.cache_clear()
    yield app_url
    get_engine(app_url).dispose()
    with create_engine(database, isolation_level="AUTOCOMMIT").connect() as conn:
        if conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :n"), {"n": name}):  # not if refused
            conn.execute(text(f'DROP OWNED BY "{name}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    get_settings.cache_clear()


REFUSED = [
    ("TRUNCATE transitions", "permission denied for table transitions"),
    ("TRUNCATE access_log", "permission denied for table access_log"),
    ("UPDATE transitions SET reason = 'x'", "permission denied for table transitions"),
    ("DELETE FROM transitions", "permission denied for table transitions"),
    ("UPDATE access_log SET reason = 'x'", "permission denied for table access_log"),
    ("DELETE FROM access_log", "permission denied for table access_log"),
    ("DROP TRIGGER transitions_append_only ON transitions", "must be owner of (table|relation) transitions"),
    ("ALTER TABLE transitions DISABLE TRIGGER ALL", "must be owner of (table|relation) transitions"),
    ("DROP TRIGGER access_log_no_truncate ON access_log", "must be owner of (table|relation) access_log"),
    ("ALTER TABLE access_log DISABLE TRIGGER access_log_append_only", "must be owner of (table|relation) access_log"),
    ("DROP TABLE access_log", "must be owner of (table|relation) access_log"),
    ("UPDATE alembic_version SET version_num = '0001'", "permission denied for table alembic_version"),
    ("CREATE TABLE scratch (id int)", "permission denied for schema public"),
]


def test_the_application_role_runs_cases_and_cannot_change_truncate_or_unprotect_the_evidence(app_role):
    upgraded = CliRunner().invoke(app, ["db", "upgrade"])
    role = make_url(app_role).username

    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output.splitlines()[0] == (
        f"应用角色 application role {role}: only INSERT and SELECT on the timeline, access log"
    )
    case_no, _ = a_mediating_case()  # intake, triage and assignment as the application's role
    read_case(case_no, caller())
    assert verify().breaks == []
    assert CliRunner().invoke(app, ["audit", "verify"]).exit_code == 0  # its start reads alembic_version only
    application = get_engine(app_role)
    for statement, refusal in REFUSED:
        with pytest.raises(DBAPIError, match=refusal), application.begin() as conn:
            conn.execute(text(statement))
    with application.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM transitions")).scalar() == 3
        assert conn.execute(text("SELECT current_user")).scalar() == role
    again = CliRunner().invoke(app, ["db", "upgrade"])  # idempotent: the role is there, the grants made again
    assert again.exit_code == 0, again.output


OWN_USER = (
    "FENGQIAO_DATABASE_URL 须为应用自己的用户，不能是所有者 "
    "FENGQIAO_DATABASE_URL must name the application's own user, not the owner's"
)


def test_the_owner_cannot_be_the_application_nor_a_superuser(database, monkeypatch):
    for app_user, refusal in (
        ("postgres", OWN_USER),
        (None, OWN_USER),
    ):
        monkeypatch.setenv("FENGQIAO_OWNER_DATABASE_URL", database)
        monkeypatch.setenv("FENGQIAO_DATABASE_URL", make_url(database).set(username=app_user).render_as_string())
        get_settings.cache_clear()

        result = CliRunner().invoke(app, ["db", "upgrade"])

        assert (result.exit_code, result.output) == (2, f"配置错误 configuration error: {refusal}\n")
    monkeypatch.setenv("FENGQIAO_OWNER_DATABASE_URL", "sqlite:///elsewhere.db")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert (result.exit_code, result.output) == (
        2,
        "配置错误 configuration error: FENGQIAO_OWNER_DATABASE_URL: 所有者角色仅用于PostgreSQL，使用SQLite时不要设置 "
        "an owner's role is for PostgreSQL; "
        "with SQLite leave it unset\n",
    )
    get_settings.cache_clear()


GRANTED = (
    "SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a "
    "WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = :r)"
)


@pytest.mark.parametrize(
    ("attribute", "refusal"),
    [
        (
            "SUPERUSER",
            "{role} 具有 SUPERUSER 权限，可越过保证证据只增不改的授权 "
            "{role} has SUPERUSER, which lifts it above the grants that keep the evidence append-only "
            "(ALTER ROLE {role} NOSUPERUSER)",
        ),
        (
            "CREATEROLE",
            "{role} 具有 CREATEROLE 权限，可越过保证证据只增不改的授权 "
            "{role} has CREATEROLE, which lifts it above the grants that keep the evidence append-only "
            "(ALTER ROLE {role} NOCREATEROLE)",
        ),
        (
            "BYPASSRLS",
            "{role} 具有 BYPASSRLS 权限，可越过保证证据只增不改的授权 "
            "{role} has BYPASSRLS, which lifts it above the grants that keep the evidence append-only "
            "(ALTER ROLE {role} NOBYPASSRLS)",
        ),
        (
            "IN ROLE postgres",
            "{role} 是 postgres 的成员，可以其身份行事 "
            "{role} is a member of postgres, which owns the tables, and may act as it (REVOKE postgres FROM {role})",
        ),
    ],
)
def test_an_application_user_that_could_act_as_the_owner_is_refused(app_role, attribute, refusal):
    role = make_url(app_role).username
    owner = get_engine(get_settings().owner_database_url or "")
    with owner.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN {attribute}'))

    result = CliRunner().invoke(app, ["db", "upgrade"])

    assert (result.exit_code, result.output) == (
        2,
        f"配置错误 configuration error: FENGQIAO_DATABASE_URL: {refusal.format(role=role)}\n",
    )
    with owner.begin() as conn:  # refused before anything was granted
        assert conn.scalar(text(GRANTED), {"r": role}) == 0


def test_a_privilege_on_the_evidence_granted_elsewhere_is_refused_and_the_grants_undone(app_role):
    owner = get_engine(get_settings().owner_database_url or "")
    with owner.begin() as conn:
        conn.execute(text("GRANT UPDATE ON transitions TO PUBLIC"))

    result = CliRunner().invoke(app, ["db", "upgrade"])

    role = make_url(app_role).username
    assert (result.exit_code, result.output) == (
        2,
        f"配置错误 configuration error: FENGQIAO_DATABASE_URL: {role} 仍可通过非 fengqiao 所做的授权对 transitions "
        f"执行 UPDATE，须撤销 {role} may still UPDATE transitions through a grant "
        "fengqiao did not make (to PUBLIC, or a role such as pg_write_all_data): revoke it\n",
    )
    with owner.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": role}) == 0


def test_create_on_the_schema_left_to_public_is_refused_as_postgresql_before_15_grants_it(app_role):
    owner = get_engine(get_settings().owner_database_url or "")
    with owner.begin() as conn:
        conn.execute(text("GRANT CREATE ON SCHEMA public TO PUBLIC"))  # PostgreSQL 14's default

    result = CliRunner().invoke(app, ["db", "upgrade"])

    role = make_url(app_role).username
    assert (result.exit_code, result.output) == (
        2,
        f"配置错误 configuration error: FENGQIAO_DATABASE_URL: {role} 可在模式 public 中建表或函数，须撤销 "
        f"{role} may CREATE in schema public (a table or "
        "function beside the evidence, granted to PUBLIC before PostgreSQL 15): REVOKE CREATE ON SCHEMA public "
        "FROM PUBLIC\n",
    )
    with owner.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": role}) == 0
