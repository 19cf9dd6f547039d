"""Prefect's environment, set before Prefect is first imported (its settings are read at import).

With no PREFECT_API_URL, fengqiao runs Prefect embedded: it picks a free port, points
PREFECT_API_URL at it, and flows.runtime starts Prefect's own server there in a subprocess, so
that the worker's flow-run processes all talk to that one server (and its SQLite under
FENGQIAO_HOME/prefect) instead of each starting a server of their own.
"""

from __future__ import annotations

import os
import socket

from fengqiao.config.settings import Settings

EMBEDDED_PORT = "FENGQIAO_EMBEDDED_PREFECT_PORT"
EMBEDDED_STARTED = "FENGQIAO_EMBEDDED_PREFECT_STARTED"  # inherited by the worker's run processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_prefect_environment(settings: Settings) -> None:
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")  # the client's telemetry too: no usage notice, no .sdk_telemetry
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    if not os.environ.get("PREFECT_API_URL"):
        port = _free_port()
        os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
        os.environ[EMBEDDED_PORT] = str(port)
        # The embedded server keeps its state in SQLite, which answers "database is locked" under
        # concurrent runs; its client retries those (HTTP 503, backoff), so the server's own
        # tracebacks are noise here. A Prefect server on PostgreSQL avoids them (README).
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
        # Measured (benchmarks/pipeline.py --prefect sqlite --workers 8): the default 5 retries
        # ran out once under 8 concurrent runs and the run failed; give the lock time to clear.
        os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "10")


def is_embedded() -> bool:
    return EMBEDDED_PORT in os.environ


def prefect_reachable() -> bool:
    """A Prefect server is there to talk to: a configured one, or the embedded one once started.

    A command that never needs a flow run (intake without starting flows, say) starts no
    embedded server, and then has nowhere to send events.
    """
    return not is_embedded() or os.environ.get(EMBEDDED_STARTED) == "1"
