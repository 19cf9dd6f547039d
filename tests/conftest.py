"""One real database per test (SQLite or PostgreSQL, by parameter) and one real Prefect server per session.

PostgreSQL is the server at 127.0.0.1:5432 (trust auth, database `test`); each test gets a fresh
database created there. With CI=true a missing PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SESSION_HOME = Path(tempfile.mkdtemp(prefix="fengqiao-tests-"))
os.environ["FENGQIAO_HOME"] = str(SESSION_HOME)
os.environ["FENGQIAO_LOG_FILE"] = str(SESSION_HOME / "logs" / "fengqiao.jsonl")
os.environ.pop("PREFECT_API_URL", None)  # the tests run their own embedded Prefect server
os.environ.pop("FENGQIAO_DATABASE_URL", None)
os.environ["PREFECT_HOME"] = str(SESSION_HOME / "prefect")

from fengqiao.config.prefect_env import EMBEDDED_PORT, prepare_prefect_environment  # noqa: E402
from fengqiao.config.settings import Settings, get_settings  # noqa: E402

prepare_prefect_environment(Settings())

pytest_plugins = ["tests.processes"]  # the `processes` fixture: real Prefect and fengqiao processes

PG_ADMIN_URL = os.environ.get("FENGQIAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@functools.cache
def _pg_available() -> str | None:
    from sqlalchemy import create_engine, text

    try:
        with create_engine(PG_ADMIN_URL).connect() as conn:
            conn.execute(text("select 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not available"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """Prefect's server for the session, on PostgreSQL when it is there (always in CI).

    Prefect's own SQLite answers "database is locked" (HTTP 503) under concurrent runs and its
    client backs off for seconds (measured: benchmarks/pipeline.py); the concurrency tests race
    flow runs on purpose, so they get the server setup production uses.
    """
    from sqlalchemy import create_engine, text

    from fengqiao.runs.deployments import start_embedded_prefect

    prefect_db = None
    if _pg_available() is None:
        prefect_db = f"prefect_tests_{uuid.uuid4().hex[:8]}"
        with create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{prefect_db}"'))
        host = PG_ADMIN_URL.split("://", 1)[1].rsplit("/", 1)[0]
        os.environ["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"postgresql+asyncpg://{host}/{prefect_db}"
    url = start_embedded_prefect()
    assert url is not None
    yield url
    if prefect_db:
        from prefect.server.api.server import SubprocessASGIServer

        SubprocessASGIServer(port=int(os.environ[EMBEDDED_PORT])).stop()
        with create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{prefect_db}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A PostgreSQL database migrated once; each test's database is a copy of it (CREATE … TEMPLATE),
    which is several times faster than migrating a new one per test."""
    if _pg_available():
        yield None
        return
    from sqlalchemy import create_engine, text

    from fengqiao.db.engine import get_engine
    from fengqiao.db.migrate import upgrade

    name = f"fq_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    get_engine(url).dispose()  # a template must have no open connections when it is copied
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class PgCopies:
    """Copies of the migrated template, made one test ahead and dropped behind, in a thread of their own.

    CREATE DATABASE … TEMPLATE and DROP DATABASE (which waits for a checkpoint) took about 1 s a
    test while the test's own process waited; now the next test's copy is made while this test
    runs, and the last one dropped behind it. Every copy is a fresh database: none is used twice."""

    def __init__(self, template: str) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from sqlalchemy import create_engine

        self._template = template
        self._admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self._creating = ThreadPoolExecutor(1, thread_name_prefix="pg-create")
        self._dropping = ThreadPoolExecutor(1, thread_name_prefix="pg-drop")  # each DROP waits for a checkpoint
        self._next = self._creating.submit(self._create)

    def _create(self) -> str:
        from sqlalchemy import text

        name = f"fq_test_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"'))
        return name

    def _drop(self, name: str) -> None:
        from sqlalchemy import text

        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def take(self) -> str:
        name = self._next.result()
        self._next = self._creating.submit(self._create)
        return name

    def drop(self, name: str) -> None:
        self._dropping.submit(self._drop, name)

    def close(self) -> None:
        self.drop(self._next.result())
        self._creating.shutdown(wait=True)
        self._dropping.shutdown(wait=True)
        self._admin.dispose()


@pytest.fixture(scope="session")
def pg_copies(pg_template: str) -> Iterator[PgCopies]:
    copies = PgCopies(pg_template)
    yield copies
    copies.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once; each test's is a copy of the file (migrating one per test took
    about 0.4 s, a thousand times a run)."""
    import sqlite3

    from fengqiao.db.engine import get_engine
    from fengqiao.db.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "fengqiao.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    get_engine(url).dispose()
    with sqlite3.connect(path) as conn:  # the whole database in the one file: no write-ahead log left
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated database; FENGQIAO_DATABASE_URL points at it for the test's duration only."""
    if request.param == "sqlite":
        import shutil

        path = tmp_path / "fengqiao.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)  # at head already
        url = f"sqlite:///{path}"
        monkeypatch.setenv("FENGQIAO_DATABASE_URL", url)
        get_settings.cache_clear()
        yield url
        get_settings.cache_clear()
        return
    problem = _pg_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is required in CI: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    from fengqiao.db.engine import get_engine

    copies: PgCopies = request.getfixturevalue("pg_copies")
    name = copies.take()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", url)  # a copy of the migrated template: at head already
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    get_engine(url).dispose()
    get_engine.cache_clear()
    copies.drop(name)


@pytest.fixture
def network(database: str, prefect_server: str) -> int:
    """The shipped sample network, applied as configuration version 1."""
    from fengqiao.services.intake import apply_configuration

    return apply_configuration()


@pytest.fixture
def api(network: int) -> Iterator[object]:
    """The HTTP API and the dashboard in this process (FastAPI's TestClient), on the test's database.

    Every answer, and every log line written meanwhile, is scanned for personal data shown whole;
    a leak fails the test at teardown.
    """
    from fengqiao.dashboard.app import create_site
    from fengqiao.models.privacy import unmasked_in
    from tests.scanning import scanned_client

    log_file = Path(os.environ["FENGQIAO_LOG_FILE"])
    offset = log_file.stat().st_size if log_file.exists() else 0
    with scanned_client(create_site(get_settings())) as client:  # type: ignore[attr-defined]
        yield client
    assert client.leaks == [], "personal data shown unmasked"  # type: ignore[attr-defined]
    with log_file.open("rb") as f:
        f.seek(offset)
        assert unmasked_in(f.read().decode(errors="replace")) == [], "personal data in the log"


@pytest.fixture
def case_runs(prefect_server: str) -> Iterator[list[str]]:
    """The case runs a test creates, deleted after it: no later test's worker may take them."""
    from uuid import UUID

    from prefect.client.orchestration import get_client

    created: list[str] = []
    yield created
    with get_client(sync_client=True) as client:
        for run_id in created:
            client.delete_flow_run(UUID(run_id))
