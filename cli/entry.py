"""The `fengqiao` command as installed: a short command is over in about 0.4 s instead of 0.55 s.

Loading the command line makes a few hundred thousand objects, none of them garbage. Python's
collector walks them again and again while they load (about 0.05 s, measured), and tearing them
all down at exit costs about 0.09 s more. So collection waits until the command has run for a
second (serve, worker and demo collect as usual from then on), and a command that used neither
Prefect nor alembic ends, once its exit handlers have run and its output is flushed, without the
teardown: its connections are closed first, so the database sees a clean goodbye.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading

COLLECT_AFTER_SECONDS = 1.0


def main() -> None:
    gc.disable()
    resume = threading.Timer(COLLECT_AFTER_SECONDS, gc.enable)
    resume.daemon = True
    resume.start()
    from fengqiao.cli.main import app

    code: str | int | None = 0
    try:
        app()
    except SystemExit as ended:
        code = ended.code
    if isinstance(code, str) or {"prefect", "alembic"} & {m.split(".")[0] for m in sys.modules}:
        sys.exit(code)  # their own shutdown (Prefect's clients and server, alembic's engines) runs as usual
    _close_connections()
    atexit._run_exitfuncs()  # logging's flush, and any other handler registered
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def _close_connections() -> None:
    """The command's database connections, closed as the interpreter's teardown would have."""
    if "fengqiao.db.engine" not in sys.modules:
        return
    from fengqiao.services.runtime import engine

    try:
        engine().dispose()
    except Exception:  # noqa: BLE001 - a database that could not be used has nothing to close; the error was said
        return
