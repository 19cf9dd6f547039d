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
from collections.abc import Callable
from typing import Any

COLLECT_AFTER_SECONDS = 1.0


def main() -> None:
    gc.disable()
    resume = threading.Timer(COLLECT_AFTER_SECONDS, gc.enable)
    resume.daemon = True
    resume.start()
    from fengqiao.cli import registry

    registry.only_for(sys.argv[1:])  # `fengqiao stats` imports stats_commands, no other command's module
    from fengqiao.cli.main import app

    code: str | int | None = 0
    try:
        code = run(app)
    except SystemExit as ended:
        code = ended.code
    if isinstance(code, str) or {"prefect", "alembic"} & {m.split(".")[0] for m in sys.modules}:
        sys.exit(code)  # their own shutdown (Prefect's clients and server, alembic's engines) runs as usual
    _close_connections()
    atexit._run_exitfuncs()  # logging's flush, and any other handler registered
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


# Click's usage errors by kind, in Chinese first (its own English message follows)
USAGE_ZH = {
    "MissingParameter": "缺少参数",
    "NoSuchOption": "没有此选项",
    "BadOptionUsage": "选项用法有误",
    "BadParameter": "参数无效",
    "BadArgumentUsage": "参数用法有误",
}


def run(app: Callable[..., Any]) -> int:
    """The command, its usage errors (a missing argument, an unknown option or command) one line on
    stderr in both languages with the usage exit status, instead of Typer's framed English block.

    Click's errors are known by their class names, as Typer's own rich_utils knows them: Typer
    0.12 raises click's classes and later ones their vendored copies (typer._click)."""
    try:
        done = app(standalone_mode=False)  # an Exit's status is returned; errors are raised to here
    except Exception as error:
        kinds = {kind.__name__ for kind in type(error).__mro__}
        if "NoArgsIsHelpError" in kinds:  # a group typed alone: its help is printed already
            return int(getattr(error, "exit_code", 2))
        if "ClickException" in kinds:
            ctx = getattr(error, "ctx", None)
            zh = USAGE_ZH.get(type(error).__name__, "用法错误" if "UsageError" in kinds else "错误")
            see = f" 帮助 see {ctx.command_path} --help" if ctx is not None else ""
            sys.stderr.write(f"{zh} usage error: {error.format_message()}{see}\n")  # type: ignore[attr-defined]
            return int(getattr(error, "exit_code", 2))
        if "Abort" in kinds:
            sys.stderr.write("已中止 aborted\n")
            return 1
        raise
    return done if isinstance(done, int) else 0


def _close_connections() -> None:
    """The command's database connections, closed as the interpreter's teardown would have."""
    if "fengqiao.db.engine" not in sys.modules:
        return
    from fengqiao.services.runtime import engine

    try:
        engine().dispose()
    except Exception:  # noqa: BLE001 - a database that could not be used has nothing to close; the error was said
        return
