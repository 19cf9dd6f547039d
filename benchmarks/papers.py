"""The mediator's papers (issue 16): which documents a demo's cases have, their sizes, the time to render each.

    .venv/bin/python benchmarks/papers.py --cases 8

Runs `fengqiao demo --cases N` in a fresh home (the embedded defaults: SQLite, embedded Prefect),
unless --home names one a demo already ran in; then, for every case, renders each of its papers
(models.papers.papers_of) from the stored record, HTML from the template then a PDF printed by
Chromium, as the documents API does, timing each step; stores them (make_papers) and times the
case file (卷宗) assembled from the stored versions. Printed per kind: how many, PDF size (median,
max), wall time to render (median, p95), and Chromium's CPU seconds per paper.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=8, help="cases the demo runs (its scenarios in turn)")
    parser.add_argument("--home", type=Path, help="a FENGQIAO_HOME a demo already ran in (no demo is run)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="fengqiao-papers-"))
    if args.home is None:
        print(f"fengqiao demo --cases {args.cases} in {home} …", flush=True)
        started = time.monotonic()
        env = {**os.environ, "FENGQIAO_HOME": str(home)}
        demo = subprocess.run([str(BIN / "fengqiao"), "demo", "--cases", str(args.cases)], env=env, check=False)
        print(f"demo: exit {demo.returncode} after {time.monotonic() - started:.0f} s", flush=True)
        if demo.returncode != 0:
            return demo.returncode
    os.environ["FENGQIAO_HOME"] = str(home)

    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import select

    from fengqiao.db import cases as case_store
    from fengqiao.db.tables import cases
    from fengqiao.db.uow import UnitOfWork
    from fengqiao.models.papers import ORDER, TITLES, PaperKind, papers_of
    from fengqiao.services.case_file import case_file_pdf
    from fengqiao.services.documents import case_record, make_papers, render_paper
    from fengqiao.services.printing import print_pdf
    from fengqiao.services.runtime import engine

    sizes: dict[str, list[int]] = defaultdict(list)
    walls: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    with UnitOfWork(engine()) as uow:
        numbers = uow.conn.scalars(select(cases.c.case_no).order_by(cases.c.id)).all()
    for case_no in numbers:
        with UnitOfWork(engine()) as uow:
            papers = papers_of(case_record(uow.conn, case_store.find_case(uow.conn, case_no)))
        for paper in papers:
            wall, cpu = time.perf_counter(), children_cpu()
            pdf = print_pdf(render_paper(paper), what=f"{paper.kind} of case {case_no}")
            walls[paper.kind].append(time.perf_counter() - wall)
            cpus[paper.kind].append(children_cpu() - cpu)
            sizes[paper.kind].append(len(pdf))
        make_papers(case_no)
        wall = time.perf_counter()
        whole = case_file_pdf(case_no, None, unmask=True)
        walls["case_file"].append(time.perf_counter() - wall)
        sizes["case_file"].append(len(whole))
        cpus["case_file"].append(0.0)

    table = Table(title=f"papers of {len(numbers)} demo cases (load {os.getloadavg()[0]:.2f})")
    for column in ("document", "n", "PDF KB median", "max", "render s median", "p95", "Chromium CPU-s"):
        table.add_column(column, justify="left" if column == "document" else "right")
    for kind in [*(str(k) for k in ORDER if k != PaperKind.SIGNED_COPY), "case_file"]:
        if not sizes.get(kind):
            continue
        label = f"{TITLES[PaperKind(kind)][0]} {kind}" if kind != "case_file" else "卷宗 case file (joined)"
        table.add_row(
            label,
            str(len(sizes[kind])),
            f"{statistics.median(sizes[kind]) / 1024:.1f}",
            f"{max(sizes[kind]) / 1024:.1f}",
            f"{statistics.median(walls[kind]):.2f}",
            f"{pct(walls[kind], 0.95):.2f}",
            f"{statistics.mean(cpus[kind]):.2f}" if kind != "case_file" else "—",
        )
    Console(width=150).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
