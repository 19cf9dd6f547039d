"""`fengqiao serve` (the HTTP API with the worker that runs case flows) and `fengqiao keys …`."""

import json
import signal
import threading
from typing import Annotated

import typer
from rich.table import Table

from fengqiao.cli.choices import metavar, one_of
from fengqiao.cli.main import app, console, edge, err, prepared
from fengqiao.models.access import ROLE_ZH, Role
from fengqiao.models.errors import ConfigurationError
from fengqiao.models.times import shown

keys_app = typer.Typer(help="接口密钥 API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command()
@edge
def serve(
    host: Annotated[str | None, typer.Option(help="listen address (FENGQIAO_API_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (FENGQIAO_API_PORT)")] = None,
    worker: Annotated[bool, typer.Option(help="also run case flows here (else a separate `fengqiao worker`)")] = True,
    api_workers: Annotated[
        int, typer.Option(min=1, max=32, help="API processes on the one port (PostgreSQL only); the worker stays one")
    ] = 1,
) -> None:
    """服务 Serve the dashboard (/dashboard/), the HTTP API (/api/v1, OpenAPI at /api/v1/docs) and the worker."""
    s = prepared(log_file=False)
    if api_workers > 1 and not s.resolved_database_url.startswith("postgresql"):
        raise ConfigurationError(
            "--api-workers 须使用PostgreSQL: several API processes need PostgreSQL (SQLite has one writer, "
            "and its wake-ups reach only the process that wrote)",
            field="api_workers",
        )
    import uvicorn

    from fengqiao.api.serving import server_config
    from fengqiao.dashboard.app import create_site
    from fengqiao.runs.serve import start_worker_thread
    from fengqiao.runs.sweep import sweep_round

    stop = threading.Event()
    if worker:  # not waiting for Prefect: intake and answers are stored whether or not it is up
        thread, stop = start_worker_thread(wait=False)

        def sweep() -> None:
            while not stop.wait(s.sweep_seconds):
                if woken := sweep_round():
                    console.print(f"sweep: {json.dumps(woken)}")

        threading.Thread(target=sweep, name="sweep", daemon=True).start()
    where = f"http://{host or s.api_host}:{port or s.api_port}"
    console.print(f"看板 dashboard at {where}/dashboard/ · API at {where}/api/v1/docs · Ctrl-C stops")
    # uvicorn stops on SIGTERM, then raises the signal again under the handler found before it ran:
    # Python's default would end the process there, with no cleanup, leaving the embedded Prefect
    # server running orphaned. Ending by SystemExit runs the worker's drain and the exit handlers.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if api_workers == 1:
            uvicorn.Server(server_config(create_site(s), s, host=host or s.api_host, port=port or s.api_port)).run()
        else:  # uvicorn's supervisor: spawned processes on one socket, each making the site
            from uvicorn.supervisors import Multiprocess

            config = server_config(None, s, host=host or s.api_host, port=port or s.api_port, workers=api_workers)
            Multiprocess(config, sockets=[config.bind_socket()]).run()
    finally:
        stop.set()
        if worker:
            thread.join(timeout=30)


def _exit_on_sigterm(*_: object) -> None:
    raise SystemExit(0)


@keys_app.command("create")
@edge
def keys_create(
    name: Annotated[str, typer.Argument(help="who holds it: 12345-platform, mediator M-C01, centre-cuiping")],
    role: Annotated[
        Role,
        typer.Option(parser=one_of(Role, "--role"), metavar=metavar(Role), help="an expert's key is named by its code"),
    ],
    area: Annotated[list[str], typer.Option(help="an area-code prefix of its jurisdiction (repeatable)")] = [],  # noqa: B006
    org: Annotated[list[str], typer.Option(help="an organisation of its jurisdiction (repeatable)")] = [],  # noqa: B006
    test: Annotated[
        bool, typer.Option("--test", help="测试密钥 an integrator's test key: its cases are test cases")
    ] = False,
) -> None:
    """新建密钥 Make a key; it is printed once and stored only as a hash.

    A test key (--test) lets an integrator try its connection on a live system: the cases it sends
    are marked as test cases, run their course, and are left out of statistics, alerts and results back.
    """
    prepared()
    from fengqiao.models.errors import InvalidInput
    from fengqiao.services.keys import make_key

    try:
        key_id, key = make_key(name, role, tuple(area), tuple(org), test=test)
    except InvalidInput as exc:
        if exc.field not in ("--area", "--org", "--test"):
            raise
        err.print(f"[red]invalid_input:[/] {exc.message}", soft_wrap=True)  # bad usage: exit 2
        raise typer.Exit(2) from None
    kind = f"测试 test, {ROLE_ZH[role]} {role}" if test else f"{ROLE_ZH[role]} {role}"
    console.print(f"key {key_id} ({kind}) for {name}; store it now, it is not shown again:")
    console.print(key, soft_wrap=True, highlight=False)


@keys_app.command("list")
@edge
def keys_list() -> None:
    """密钥列表 Keys with their role, jurisdiction and state (never the key itself)."""
    prepared()
    from fengqiao.services.keys import list_keys
    from fengqiao.services.names import current_names

    rows = list_keys()
    names = current_names()  # a jurisdiction by its names, the codes beside (朝阳社区 511502001001)
    table = Table(title="接口密钥 API keys")
    for label in ("编号 id", "名称 name", "角色 role", "辖区 areas", "组织 orgs", "前缀 prefix", "状态 state"):
        table.add_column(label)
    for r in rows:
        state = f"revoked 已吊销 {shown(r['revoked_at'])}" if r["revoked_at"] else "active 有效"
        table.add_row(
            str(r["id"]),
            r["name"],
            f"{ROLE_ZH[r['role']]} {r['role']}" + (" · 测试 test" if r["test"] else ""),
            ", ".join(names.place(a) for a in r["areas"]) or "—",
            ", ".join(names.org(o) for o in r["orgs"]) or "—",
            f"fq_{r['prefix']}_…",
            state,
        )
    console.print(table)


@keys_app.command("revoke")
@edge
def keys_revoke(key_id: Annotated[int, typer.Argument(help="the key's id (from `fengqiao keys list`)")]) -> None:
    """吊销密钥 Revoke a key: it stops working at once."""
    prepared()
    from fengqiao.services.keys import revoke_key

    if not revoke_key(key_id):
        err.print(f"[red]not_found:[/] no active key {key_id}")
        raise typer.Exit(1)
    console.print(f"key {key_id} revoked")
