"""Bad usage: an option's value the command cannot answer is one line naming the option, exit 2.

The same as `fengqiao stats` (a period or region) and `fengqiao keys create` (an area or
organisation): a rejected record is exit 1, a question asked wrongly is exit 2, as click's own
usage errors are. Services name the field as the API does (`month`); the line names the option.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from fengqiao.cli.main import err
from fengqiao.models.errors import InvalidInput


@contextmanager
def bad_options(**options: str) -> Iterator[None]:
    """InvalidInput naming one of these fields (field=option, e.g. month="--month") is bad usage."""
    try:
        yield
    except InvalidInput as exc:
        option = options.get(exc.field or "")
        if option is None:
            raise
        why = exc.message.removeprefix(f"field {exc.field}: ")
        err.print(f"[red]{exc.code}:[/] field {option}: {why}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
