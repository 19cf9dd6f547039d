"""Benchmark: the dashboard's board and statistics on a million cases in PostgreSQL, over HTTP.

    .venv/bin/python benchmarks/dashboard.py [--cases 1000000] [--requests 200]

Generates the history first if needed (benchmarks/history.py, database fq_history), starts the
dashboard and API app under uvicorn on it (no Prefect: these pages do not ask it), signs in with
a city-wide coordinator key, and sends each page the given number of requests one after another
(after ten to warm up), timing each from request to last byte. Prints p50, p95 and the maximum per
page: the whole answer, rendered HTML included, as a coordinator's browser gets it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

PAGES = [
    ("board 看板", "/dashboard/", {}),
    ("board, live update", "/dashboard/board/live", {}),
    ("board filtered (street, channel)", "/dashboard/board/live", {"area": "511502001", "channel": "grid"}),
    ("board filtered (type, risk)", "/dashboard/board/live", {"type": "labour", "risk": "emergency"}),
    ("statistics, all time 统计", "/dashboard/stats", {}),
    (
        "statistics, a year, a district",
        "/dashboard/stats",
        {"since": "2025-11", "until": "2026-10", "region": "511502"},
    ),
    (
        "statistics, one month, a street",
        "/dashboard/stats",
        {"since": "2026-10", "until": "2026-10", "region": "511503001"},
    ),
    ("API GET /stats", "/api/v1/stats", {}),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    from benchmarks.history import generate

    url = generate("fq_history", args.cases, fresh=False)
    from fengqiao.db import access
    from fengqiao.db.uow import UnitOfWork
    from fengqiao.models.access import Role
    from fengqiao.services.runtime import engine, now

    with UnitOfWork(engine()) as uow:
        _, key = access.create_key(
            uow.conn, name=f"bench-{time.time_ns()}", role=Role.COORDINATOR, areas=("5115",), orgs=(), at=now()
        )
        uow.commit()
    env = os.environ | {"FENGQIAO_DATABASE_URL": url}
    server = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "--factory",
            "fengqiao.dashboard.app:create_site",
            "--port",
            str(args.port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        client = httpx.Client(base_url=base, timeout=60)
        for _ in range(240):
            try:
                if client.get("/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        client.post("/dashboard/login", data={"key": key})
        headers = {"Authorization": f"Bearer {key}"}
        print(f"{'page':38} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  requests")
        for name, path, params in PAGES:
            took = []
            for i in range(10 + args.requests):
                t = time.perf_counter()
                answer = client.get(path, params=params, headers=headers if path.startswith("/api") else None)
                elapsed = (time.perf_counter() - t) * 1000
                answer.raise_for_status()
                if i >= 10:
                    took.append(elapsed)
            print(f"{name:38} {statistics.median(took):8.1f} {percentile(took, 95):8.1f} {max(took):8.1f}  {len(took)}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
