"""The command line starts fast: `--help` and the read-only commands import neither Prefect (only the
commands that start or wake runs do, inside the command) nor alembic (the schema is at head: one row
read, db/migrate.ensure_schema), and end without the interpreter's teardown (cli/entry.py). Each
command runs in a fresh interpreter, as a person starts it.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator

import typer

from fengqiao.cli import registry
from fengqiao.db.migrate import alembic_config, current_revision, ensure_schema, head_revision
from fengqiao.services.intake import apply_configuration
from tests.drive import register
from tests.factories import a_new_case
from tests.processes import BIN

# Runs the command as the installed script does, then says which of the slow packages it loaded.
SCRIPT = """
import atexit, sys
atexit.register(lambda: print("LOADED", sorted({m.split(".")[0] for m in sys.modules} & {"prefect", "alembic"})))
sys.argv[0] = "fengqiao"
from fengqiao.cli.entry import main
main()
"""


def loaded_by(*args: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout.strip().splitlines()[-1] + (done.stderr.strip() and f" | {done.stderr}")


# The same, naming every module the command loaded (its output goes to stdout before the list, on stderr).
MODULES = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv[0] = "fengqiao"
from fengqiao.cli.entry import main
main()
"""


def modules_of(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", MODULES, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def among(modules: set[str], names: set[str]) -> list[str]:
    """The named packages or modules (a name covers its submodules) found among the loaded modules."""
    return sorted(n for n in names if any(m == n or m.startswith(f"{n}.") for m in modules))


def test_help_and_the_read_only_commands_import_neither_prefect_nor_alembic(database):
    apply_configuration()
    case_no, _ = register(a_new_case(channel_ref="FAST-1"))
    commands = [
        ("--help",),
        ("cases",),
        ("case", "show", case_no),
        ("stats",),
        ("config", "show"),
        ("keys", "list"),
        ("duplicates",),
        ("notices",),
    ]

    loaded = {command: loaded_by(*command) for command in commands}

    assert loaded == dict.fromkeys(commands, (0, "LOADED []"))


def test_a_command_that_wakes_a_run_still_reaches_prefect(database):
    """The check can fail: the same script sees Prefect where a command does use it."""
    apply_configuration()
    assert loaded_by("sweep") == (0, "LOADED ['prefect']")  # nothing to wake; it imported what wakes runs


# What no read-only command loads: the server's, the runs' and the case file's packages, the logger
# (structlog, which loads rich's tracebacks and pygments: loaded by what logs), the webhooks' HTTP client
# and PyYAML (a stored configuration is plain data: only a network file read from disk is YAML)
NEVER_TO_READ = {
    "structlog",
    "httpx",
    "yaml",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "pypdf",
    "prefect",
    "alembic",
    "fengqiao.api",
    "fengqiao.dashboard",
    "fengqiao.runs",
    "fengqiao.flows",
    "fengqiao.tasks",
}
# Each read-only command's own service: a command loads no other command's
OWN_SERVICE = {
    ("cases",): "fengqiao.services.case_reads",
    ("stats",): "fengqiao.services.stats",
    ("config", "show"): "fengqiao.services.config_versions",
    ("keys", "list"): "fengqiao.services.keys",
    ("duplicates",): "fengqiao.services.duplicates",
    ("notices",): "fengqiao.services.result_back",
}


def test_help_loads_neither_the_settings_nor_the_database_nor_any_service():
    """`fengqiao --help` reads no settings (pydantic-settings), opens no database (SQLAlchemy), runs
    no service and builds no network: the commands import what they use when they run (cli/main.py),
    and the choices' enums (Role, PauseReason, IfBroken) come without the network's model."""
    settings_or_database = {"pydantic", "pydantic_settings", "fengqiao.config.settings", "sqlalchemy", "fengqiao.db"}
    used_by_commands = {"fengqiao.services", "fengqiao.cli.views", "fengqiao.models.network", "chinese_calendar"}

    loaded = modules_of("--help")

    assert among(loaded, NEVER_TO_READ | settings_or_database | used_by_commands) == []
    assert among(loaded, {"fengqiao.cli.main", "typer", "rich"}) == ["fengqiao.cli.main", "rich", "typer"]


# Each read-only command's own command module (cli/registry.py): those cli/main.py defines load none
OWN_COMMANDS = {
    ("cases",): [],
    ("stats",): ["fengqiao.cli.stats_commands"],
    ("config", "show"): ["fengqiao.cli.config_commands"],
    ("keys", "list"): ["fengqiao.cli.api_commands"],
    ("duplicates",): [],
    ("notices",): [],
}


def test_each_read_only_command_loads_its_own_service_and_no_other_commands(database):
    """The check can fail: each command is seen loading its own service (a case's page the case
    reads and the follow-up) and its own command module (`case` its `retry`), none another
    command's, and none the logger or the HTTP client; nor, on SQLite, SQLAlchemy's PostgreSQL
    dialect (about 0.02 s: db/tables.py declares the one index that names it for alembic only),
    which is seen where the database is PostgreSQL. The case list reads the names from the stored
    configuration without building its network (config/network.py), which the others use."""
    apply_configuration()
    case_no, _ = register(a_new_case(channel_ref="FAST-3"))
    shown = {**OWN_SERVICE, ("case", "show", case_no): "fengqiao.services.follow_up"}
    services = set(OWN_SERVICE.values())
    postgresql = ["sqlalchemy.dialects.postgresql"] if database.startswith("postgresql") else []
    network = ["fengqiao.config.network"]  # the configuration's network, validated: the list needs only its names

    found = {}
    for command, own in shown.items():
        loaded = modules_of(*command)
        found[command] = (
            among(loaded, {own}),
            among(loaded, services - {own}),
            among(loaded, NEVER_TO_READ),
            among(loaded, set(registry.MODULES)),
            among(loaded, {"sqlalchemy.dialects.postgresql"}),
            among(loaded, {"fengqiao.config.network"}),
        )

    assert found == {
        **{
            command: ([own], [], [], OWN_COMMANDS[command], postgresql, [] if command == ("cases",) else network)
            for command, own in OWN_SERVICE.items()
        },
        ("case", "show", case_no): (
            ["fengqiao.services.follow_up"],
            ["fengqiao.services.case_reads"],
            [],
            ["fengqiao.cli.case_commands"],
            postgresql,
            network,
        ),
    }


def test_the_command_map_names_the_module_of_every_command_and_help_lists_them_all():
    """cli/registry.py's map against the full registration (this process imported every command
    module): each top-level command or group is there with the one module its commands (besides
    cli/main.py's) are defined in, and `fengqiao --help`, which loads them all, lists every one."""
    from fengqiao.cli.main import app

    def modules(typer_app: typer.Typer) -> set[str]:
        found = {c.callback.__module__ for c in typer_app.registered_commands if c.callback is not None}
        if typer_app.registered_callback is not None and typer_app.registered_callback.callback is not None:
            found.add(typer_app.registered_callback.callback.__module__)
        for group in typer_app.registered_groups:
            found |= modules(group.typer_instance)
        return found

    registered = {
        command.name or typer.main.get_command_name(command.callback.__name__): {command.callback.__module__}
        for command in app.registered_commands
        if command.callback is not None
    } | {str(group.name): modules(group.typer_instance) for group in app.registered_groups}
    mapped = {name: {registry.COMMANDS[name]} if name in registry.COMMANDS else set() for name in registered}

    listed = subprocess.run([BIN / "fengqiao", "--help"], capture_output=True, text=True, timeout=120).stdout

    assert {name: found - {"fengqiao.cli.main"} for name, found in registered.items()} == mapped
    assert set(registered) == set(registry.COMMANDS) | registry.IN_MAIN
    assert set(registry.COMMANDS.values()) == set(registry.MODULES)
    assert [name for name in registered if not re.search(rf"^│ {re.escape(name)} ", listed, re.MULTILINE)] == []


def test_the_commands_annotations_are_read_as_objects_not_compiled_from_strings():
    """Typer reads every command's signature at each start: under `from __future__ import annotations`
    each option's annotation is a string it compiles and evaluates anew (about 130 M instructions,
    ~0.04 s, of every command). The check can fail: the two modules still under it are named."""
    from fengqiao.cli.main import app

    def callbacks(typer_app: typer.Typer) -> Iterator[Callable[..., object]]:
        for command in typer_app.registered_commands:
            if command.callback is not None:
                yield command.callback
        if typer_app.registered_callback is not None and typer_app.registered_callback.callback is not None:
            yield typer_app.registered_callback.callback
        for group in typer_app.registered_groups:
            yield from callbacks(group.typer_instance)

    as_strings = {
        fn.__module__
        for fn in map(inspect.unwrap, callbacks(app))
        if any(isinstance(a, str) for a in inspect.get_annotations(fn).values())
    }

    assert sorted(as_strings) == ["fengqiao.cli.points_commands", "fengqiao.cli.subsidy_commands"]


def test_the_head_read_from_the_scripts_is_alembics_and_a_new_database_is_migrated(tmp_path):
    from alembic.script import ScriptDirectory

    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert head_revision() == ScriptDirectory.from_config(alembic_config(url)).get_current_head()

    ensure_schema(url)  # no alembic_version table yet: alembic runs

    assert current_revision(url) == head_revision()


def test_the_installed_command_ends_quickly_with_its_output_and_exit_status_whole(database):
    apply_configuration()
    case_no, _ = register(a_new_case(channel_ref="FAST-2"))

    listed = subprocess.run([BIN / "fengqiao", "cases"], capture_output=True, text=True, timeout=120)
    missing = subprocess.run(
        [BIN / "fengqiao", "case", "show", "FQ20269999999"], capture_output=True, text=True, timeout=120
    )

    assert (listed.returncode, listed.stdout.count(case_no), listed.stdout.rstrip().endswith("┘")) == (0, 1, True)
    assert (missing.returncode, missing.stdout, missing.stderr) == (
        1,
        "",
        "case_not_found: 没有案件 no case 'FQ20269999999'\n",
    )


def test_a_usage_error_is_one_line_in_both_languages_with_the_usage_status():
    """Typer's own errors (a missing argument, an unknown option, command or value's type) as one
    line, Chinese first, naming the help to read; nothing on stdout, exit status 2."""
    typed = {
        ("outcome",): "缺少参数 usage error: Missing argument 'CASE'. 帮助 see fengqiao outcome --help\n",
        ("outcome", "FQ1", "--nope"): (
            "没有此选项 usage error: No such option: --nope (Possible options: --note) 帮助 see fengqiao outcome --help\n"
        ),
        ("nosuch",): "用法错误 usage error: No such command 'nosuch'. 帮助 see fengqiao --help\n",
        ("cases", "--limit", "0"): (
            "参数无效 usage error: Invalid value for '--limit': Input should be greater than or equal to 1 "
            "帮助 see fengqiao cases --help\n"
        ),
    }

    said = {}
    for args in typed:
        done = subprocess.run([BIN / "fengqiao", *args], capture_output=True, text=True, timeout=120)
        said[args] = (done.returncode, done.stdout, done.stderr)

    assert said == {args: (2, "", line) for args, line in typed.items()}
