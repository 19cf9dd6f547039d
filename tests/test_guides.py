"""The guides' commands run as written, so they cannot go stale.

Both guides are typed as a new user would: in a fresh clone's directory after `make demo` (a short
one), with `fengqiao serve` running, every `sh` block in order in one shell, registering and driving
the guide's own cases. docs/integrator-guide.md: every API operation has a `curl` example (checked
against the OpenAPI schema) and each block answers the statuses it names (```sh 202).
docs/operator-guide.zh.md: its `console` blocks (install, demo, serve: long-running) are checked to
exist. README names no file the repository lacks and counts the sample's mediators right.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from fengqiao.config.settings import get_settings
from tests.processes import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
INTEGRATOR = ROOT / "docs" / "integrator-guide.md"
OPERATOR = ROOT / "docs" / "operator-guide.zh.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.M | re.S)
BIN = Path(sys.executable).parent


def blocks(path: Path, language: str) -> list[tuple[str, str]]:
    """(the rest of the info string, the body) of each fenced block in that language."""
    return [
        (info.strip(), body) for lang, info, body in FENCE.findall(path.read_text(encoding="utf-8")) if lang == language
    ]


def api_examples() -> list[tuple[list[int], str]]:
    """The integrator guide's blocks that name the statuses they answer: (statuses, the shell)."""
    return [([int(s) for s in info.split()], body) for info, body in blocks(INTEGRATOR, "sh") if info]


# --- README -------------------------------------------------------------------------------------------
def test_readme_names_only_files_that_exist_and_counts_the_sample_network_right():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = yaml.safe_load((ROOT / "config" / "sample_network.yaml").read_text(encoding="utf-8"))

    linked = re.findall(r"\]\(([^)#:]+)\)", readme) + re.findall(r"`([\w/.-]+\.md)`", readme)
    assert linked and [path for path in linked if not (ROOT / path).exists()] == []
    assert "CONTRACT.md" not in readme and "issue 5" not in readme
    named = [str(p.relative_to(ROOT)) for p in ROOT.glob("*/*.py") if "CONTRACT.md" in p.read_text(encoding="utf-8")]
    assert named == ["tests/test_guides.py"]  # no module cites a contract the repository does not hold
    assert re.findall(r"(\d+) mediators\)", readme) == [str(len(sample["mediators"]))]
    assert "docs/operator-guide.zh.md" in readme and "docs/integrator-guide.md" in readme


# --- the integrator's guide -----------------------------------------------------------------------------
SAMPLE_VALUES = {  # what the guide's variables stand for, to match its URLs against the schema's paths
    "$FQ": "/api/v1",
    "$CASE": "FQ1",
    "$AGREE_CASE": "FQ2",
    "$HANDOFF_CASE": "FQ3",
    "$EXPERT_CASE": "FQ5",
    "$DOCUMENT": "1",
}


def operation_of(command: str) -> tuple[str, str]:
    """(method, path) of one curl command as curl would send it."""
    url = re.search(r'"(\$FQ[^"]*)"', command)
    assert url, command
    path = url.group(1).split("?")[0]
    for name, value in sorted(SAMPLE_VALUES.items(), key=lambda kv: -len(kv[0])):
        path = path.replace(name, value)
    method = re.search(r"-X (\w+)", command)
    sends = re.search(r"(^|\s)(-d|--data-binary|-F)\s", command)
    return (method.group(1) if method else "POST" if sends else "GET"), path


def test_every_api_operation_has_a_curl_example():
    from fengqiao.api.app import create_app

    schema = create_app(get_settings()).openapi()
    examples = {
        operation_of(command)
        for _, body in api_examples()
        for command in re.split(r"\n(?=\S)", body.replace("\\\n", " "))
        if "curl " in command
    }
    missing = []
    for template, operations in schema["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$")
        for method in operations:
            if not any(m == method.upper() and pattern.match(path) for m, path in examples):
                missing.append(f"{method.upper()} {template}")
    assert missing == []


@pytest.fixture(scope="module")
def after_the_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone's directory after `make demo` (two cases here instead of sixteen): the embedded
    defaults (SQLite and Prefect under .fengqiao/), nothing of the test session's configuration."""
    clone = tmp_path_factory.mktemp("clone")
    for name in ("config", "examples"):  # copied, as a clone has them: not changed under the test
        shutil.copytree(ROOT / name, clone / name, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    ran = subprocess.run(
        [str(BIN / "fengqiao"), "demo", "--cases", "2"], cwd=clone, env=clean_env(), capture_output=True, timeout=900
    )
    assert ran.returncode == 0, ran.stdout.decode()[-2000:] + ran.stderr.decode()[-2000:]
    return clone


def clean_env(**more: str) -> dict[str, str]:
    """A new user's shell: fengqiao on the PATH, no FENGQIAO_ or PREFECT_ settings but these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FENGQIAO_", "PREFECT_"))}
    return env | {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"} | more


@pytest.fixture
def serving(after_the_demo: Path, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A copy of the clone after the demo with `fengqiao serve` running in it (API, dashboard and the
    worker, as the guides start it in another terminal); its environment, for the guide's shell.
    Webhooks may be registered at loopback addresses, so nothing is ever sent to a public one."""
    clone = tmp_path / "clone"
    shutil.copytree(after_the_demo, clone, symlinks=True)
    env = clean_env(
        FENGQIAO_API_PORT=str(free_port()),
        FENGQIAO_ALLOW_PRIVATE_WEBHOOKS="true",
        FENGQIAO_SWEEP_SECONDS="2",  # the guides wait for the worker's sweep: 15 s by default
        FENGQIAO_RUNNER_POLL_SECONDS="1",
    )
    with (clone / "serve.log").open("ab") as log:
        serve = subprocess.Popen(
            [str(BIN / "fengqiao"), "serve"], cwd=clone, env=env, stdout=log, stderr=log, start_new_session=True
        )
    base = f"http://127.0.0.1:{env['FENGQIAO_API_PORT']}/api/v1"
    try:
        wait_for("fengqiao serve", lambda: httpx.get(f"{base}/health").status_code == 200, timeout=180)
        yield clone, env
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(timeout=30)


def run_in_order(body_blocks: list[str], cwd: Path, env: dict[str, str], prelude: str = "") -> Ran:
    """The blocks typed in order into one shell (`set -e`: the first failure stops it); each block's
    output, and the statuses curl answered in it, by the block's number."""
    script = (
        "set -e\n"
        + prelude
        + "".join(f"echo '@@ {n}' | tee /dev/stderr\n{body}\necho\n" for n, body in enumerate(body_blocks))
    )
    ran = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    answered: dict[int, list[int]] = {}
    for line in ran.stderr.splitlines():
        if line.startswith("@@ "):
            answered[int(line[3:])] = []
        elif answered and re.fullmatch(r"\d{3}", line):
            answered[max(answered)].append(int(line))
    said = dict(re.findall(r"^@@ (\d+)\n(.*?)(?=^@@ |\Z)", ran.stdout, re.M | re.S))
    return Ran(ran.returncode, answered, {int(n): text for n, text in said.items()}, ran.stderr)


@dataclass(frozen=True)
class Ran:
    returncode: int
    answered: dict[int, list[int]]  # block → the HTTP statuses curl printed in it
    said: dict[int, str]  # block → what it printed
    stderr: str


def test_the_integrator_guide_typed_in_order_after_the_demo(serving):
    """Every `sh` block in order, in one shell, against `fengqiao serve` after `make demo`; a block
    naming statuses answers exactly those (curl prints each status to stderr)."""
    clone, env = serving
    env = env | {"WEBHOOK_URL": "http://127.0.0.1:9/feedback"}  # loopback: a registration, never a delivery
    guide = blocks(INTEGRATOR, "sh")
    curl = "curl() { command curl -sS -w '%{stderr}%{http_code}\\n' \"$@\"; }\n"

    ran = run_in_order([body for _, body in guide], clone, env, prelude=curl)

    wrong = {
        n: (body.splitlines()[0], ran.answered.get(n), ran.said.get(n, "").strip()[-300:])
        for n, (info, body) in enumerate(guide)
        if info and ran.answered.get(n) != [int(s) for s in info.split()]
    }
    assert (ran.returncode, max(ran.answered), wrong) == (0, len(guide) - 1, {}), ran.stderr[-3000:]


# --- the operator's guide -------------------------------------------------------------------------------
def test_the_operator_guides_commands_typed_in_order_after_the_demo(serving):
    """Every `sh` block in order, in one shell, in the clone after `make demo` with `fengqiao serve`
    running (the guide starts it in another terminal)."""
    clone, env = serving
    env = env | {"FENGQIAO_CHROMIUM": "/nonexistent"}  # the report is written as HTML: no browser needed
    guide = [body for info, body in blocks(OPERATOR, "sh")]
    assert [info for info, _ in blocks(OPERATOR, "sh")] == [""] * len(guide)  # an operator block names no status

    ran = run_in_order(guide, clone, env)

    last = max(ran.answered)
    assert (ran.returncode, last) == (0, len(guide) - 1), (
        guide[last],
        ran.said.get(last, "")[-1500:],
        ran.stderr[-1500:],
    )
    assert (clone / "月报.html").stat().st_size > 0


def test_the_long_running_commands_the_guides_show_exist():
    """Install, demo and serve are not run (minutes each): their commands are checked to exist."""
    commands = [line for _, body in blocks(OPERATOR, "console") for line in body.splitlines() if line.strip()]
    assert commands == ["python3 -m venv .venv", ".venv/bin/pip install -e .", "make demo", "fengqiao serve"]
    assert subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True).returncode == 0
    assert subprocess.run([str(BIN / "fengqiao"), "serve", "--help"], capture_output=True).returncode == 0
