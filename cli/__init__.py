"""The `fengqiao` command: Typer; domain errors become exit codes here and nowhere else.

The command modules import what a command uses inside it, and evaluate their annotations when
defined (no `from __future__ import annotations`): Typer reads every command's signature at each
start, and compiled each string annotation anew (tests/test_cli_startup.py).
"""
