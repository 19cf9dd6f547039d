"""`fengqiao deploy`: the work pool and the deployments, once per release (the demo and serve run it too)."""

import os

from rich.table import Table

from fengqiao.cli.main import app, console, edge, prepared


@app.command()
@edge
def deploy() -> None:
    """部署 Create the work pool (if missing), the case and daily deployments on it and the pool's
    automations (a case run Crashed, Late too long, no worker heartbeat: alerts); idempotent.

    Any machine then runs `fengqiao worker` with the same PREFECT_API_URL, FENGQIAO_DATABASE_URL
    and FENGQIAO_WORK_POOL; stopping a worker pauses nothing.
    """
    s = prepared()
    from fengqiao.runs.deployments import deploy as apply_deployments
    from fengqiao.runs.deployments import start_embedded_prefect

    start_embedded_prefect()
    applied, automations = apply_deployments()
    table = Table(title=f"工作池 work pool {s.work_pool} · {os.environ.get('PREFECT_API_URL', '')}")
    table.add_column("部署 deployment")
    table.add_column("入口 entrypoint")
    for name, entrypoint in applied:
        table.add_row(name, entrypoint)
    console.print(table)
    watched = Table(title="自动化 automations: what the alerts page hears from Prefect")
    watched.add_column("自动化 automation")
    watched.add_column("本次 this deploy")
    for name, done in automations:
        watched.add_row(name, done)
    console.print(watched)
