"""`fengqiao demo`: the sample network and N scripted disputes on the embedded defaults, one command."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from fengqiao.cli.main import app, console, edge, err, prepared


@app.command()
@edge
def demo(
    cases: Annotated[int, typer.Option("--cases", "-n", min=1, max=2000, help="how many disputes")] = 16,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="秒 seconds the cases may take, from the first registered")
    ] = 900,
) -> None:
    """演示 Load the sample network and push N disputes through every path, with scripted people.

    Exit 1 naming every case that did not close as its scenario scripts (or was still open at the limit).
    """
    s = prepared()
    from fengqiao.cli.demo import run_demo

    result = run_demo(cases, console=console, timeout=timeout)
    console.print(  # soft_wrap: the command stays one line, to be pasted as it is
        f"\n日志 JSON log: {s.log_file}\n"
        "在 Prefect 界面查看流程 see the flow runs in the Prefect UI:\n"
        f"  PREFECT_HOME={os.environ['PREFECT_HOME']} PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 "
        f"{Path(sys.executable).parent / 'prefect'} server start\n"
        "  then open http://127.0.0.1:4200 → Runs\n"
        "  (runs are named case-<case_no>, tagged channel:, area:, type:)",
        soft_wrap=True,
    )
    for line in result.not_as_scripted:
        err.print(f"[red]未按脚本结案 not as scripted:[/] {line}", soft_wrap=True)
    if result.not_as_scripted:
        raise typer.Exit(1)
