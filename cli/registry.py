"""Which module registers each command, so that `fengqiao stats` imports stats_commands and no other.

cli/main.py defines the commonest commands itself and imports the other command modules at its end:
all of them (in this order, which is `--help`'s) unless the installed command (cli/entry.py) named
the one command line it runs. A command line whose first word is a known command loads that
command's module only; anything else (no command, `--help`, a root option, an unknown name, shell
completion) loads them all, so help, completion and "No such command" read as they always have.
tests/test_cli_startup.py checks this map against the full registration.
"""

import os

# The command modules, in the order their commands are listed by `fengqiao --help`
MODULES = (
    "fengqiao.cli.config_commands",
    "fengqiao.cli.api_commands",
    "fengqiao.cli.audit_commands",
    "fengqiao.cli.case_commands",
    "fengqiao.cli.clock_commands",
    "fengqiao.cli.confirmation_commands",
    "fengqiao.cli.demo_commands",
    "fengqiao.cli.deploy_commands",
    "fengqiao.cli.paperwork_commands",
    "fengqiao.cli.points_commands",
    "fengqiao.cli.screening_commands",
    "fengqiao.cli.stats_commands",
    "fengqiao.cli.subsidy_commands",
)
# Each top-level command or group and the module that registers it (or, for `case`, its `retry`)
COMMANDS = {
    "config": "fengqiao.cli.config_commands",
    "serve": "fengqiao.cli.api_commands",
    "keys": "fengqiao.cli.api_commands",
    "audit": "fengqiao.cli.audit_commands",
    "case": "fengqiao.cli.case_commands",
    "clock": "fengqiao.cli.clock_commands",
    "deadlines": "fengqiao.cli.clock_commands",
    "follow-up": "fengqiao.cli.clock_commands",
    "judicial-confirmation": "fengqiao.cli.confirmation_commands",
    "demo": "fengqiao.cli.demo_commands",
    "deploy": "fengqiao.cli.deploy_commands",
    "session": "fengqiao.cli.paperwork_commands",
    "sessions": "fengqiao.cli.paperwork_commands",
    "agreement": "fengqiao.cli.paperwork_commands",
    "documents": "fengqiao.cli.paperwork_commands",
    "case-file": "fengqiao.cli.paperwork_commands",
    "points": "fengqiao.cli.points_commands",
    "screening": "fengqiao.cli.screening_commands",
    "stats": "fengqiao.cli.stats_commands",
    "report": "fengqiao.cli.stats_commands",
    "subsidies": "fengqiao.cli.subsidy_commands",
    "tariff": "fengqiao.cli.subsidy_commands",
}
# The commands cli/main.py defines itself: they need no other module
IN_MAIN = frozenset(
    {"db", "duplicates", "cases", "outcome", "opinion", "handoff-result", "intake", "worker", "sweep", "notices"}
)

_modules: tuple[str, ...] = MODULES


def only_for(args: list[str]) -> None:
    """Load only what the command line `fengqiao ARGS…` runs (called before cli/main.py is imported)."""
    global _modules
    first = args[0] if args else ""
    if "_FENGQIAO_COMPLETE" in os.environ or not (first in COMMANDS or first in IN_MAIN):
        _modules = MODULES
    else:
        _modules = (COMMANDS[first],) if first in COMMANDS else ()


def modules() -> tuple[str, ...]:
    """The command modules cli/main.py imports: all of them, unless only_for named a command."""
    return _modules
