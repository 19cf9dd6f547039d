"""The guides' commands run as written, so they cannot go stale.

docs/integrator-guide.md: every API operation has a `curl` example (checked against the OpenAPI
schema), and each example, run by bash against a live API on loopback, answers the status its
block names (```sh 202). docs/operator-guide.zh.md: its `sh` blocks run in bash against the test's
database; its `console` blocks (install, demo, serve: long-running) are checked to exist. README
names no file the repository lacks and counts the sample's mediators right.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml

from fengqiao.config.settings import get_settings
from fengqiao.models.vocabulary import InputKind
from tests.drive import drive, register
from tests.factories import a_key, a_new_case
from tests.paperwork import PDF
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
    "$CLOSED_CASE": "FQ4",
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


@pytest.fixture
def live_api(network: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`fengqiao serve`'s app (API and dashboard, without the worker) on a loopback port of this process;
    webhooks may be registered at loopback addresses, so nothing is ever sent to a public one."""
    from fengqiao.api.serving import server_config
    from fengqiao.dashboard.app import create_site

    monkeypatch.setenv("FENGQIAO_ALLOW_PRIVATE_WEBHOOKS", "true")
    get_settings.cache_clear()

    settings = get_settings()
    port = free_port()
    server = uvicorn.Server(server_config(create_site(settings), settings, host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, name="guide-api", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}/api/v1"
    wait_for("the API", lambda: httpx.get(f"{base}/health").status_code == 200, timeout=60)
    yield base
    server.should_exit = True
    thread.join(timeout=30)


def cases_in_each_state() -> dict[str, str]:
    """The cases the guide's variables name, driven there as people would."""
    other = (a_new_case().parties[0].__class__("applicant", "王五", None, "13900001111"),)
    waiting, _ = case_waiting("GUIDE-1", "511502001001001")
    agreeing, _ = case_waiting("GUIDE-2", "511502002001001", parties=other)
    refused_no, refused_id = register(a_new_case(channel_ref="GUIDE-3", area_code="511503001001001"))
    assert drive(refused_no, refused_id, [(InputKind.EXIT, "refused", "M-C05")])[-1] == "waiting:handoff_result"
    closed_no, closed_id = register(a_new_case(channel_ref="GUIDE-4", area_code="511503002001001"))
    assert drive(closed_no, closed_id, [(InputKind.OUTCOME, "agreement", "M-C07")])[-1] == "closed"
    expert_no, expert_id = register(
        a_new_case(channel_ref="GUIDE-5", area_code="511502002002001", summary="两车追尾发生交通事故")
    )
    failed = [(InputKind.OUTCOME, "failed", "M-C05")]
    assert drive(expert_no, expert_id, failed) == ["waiting:outcome", "waiting:expert_opinion"]
    return {
        "CASE": waiting,
        "AGREE_CASE": agreeing,
        "HANDOFF_CASE": refused_no,
        "CLOSED_CASE": closed_no,
        "EXPERT_CASE": expert_no,
    }


def case_waiting(ref: str, area: str, **changes: object) -> tuple[str, int]:
    case_no, case_id = register(a_new_case(channel_ref=ref, area_code=area, **changes))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    return case_no, case_id


def test_each_curl_example_answers_the_status_its_block_names(live_api, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FENGQIAO_")} | cases_in_each_state()
    env |= {
        "FQ": live_api,
        "KEY": key_of(a_key("integrator", name="guide-integrator")),
        "MEDIATOR_KEY": key_of(a_key("mediator", name="M-C01")),  # a mediator's key is named by its code
        "CENTRE_KEY": key_of(a_key("coordinator", name="guide-centre")),
        "ADMIN_KEY": key_of(a_key("admin", name="guide-admin")),
        "WEBHOOK_URL": "http://127.0.0.1:9/feedback",  # loopback: a registration, never a delivery
    }
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    (tmp_path / "signed-agreement.pdf").write_bytes(PDF)  # a readable PDF: uploads must be (bdc35ff)
    examples = api_examples()
    script = "curl() { command curl -sS -w '%{stderr}%{http_code}\\n' \"$@\"; }\n" + "".join(
        f"echo '@@ {n}' | tee /dev/stderr\n{body}\necho\n" for n, (_, body) in enumerate(examples)
    )

    ran = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)

    answered: dict[int, list[int]] = {}
    for line in ran.stderr.splitlines():
        if line.startswith("@@ "):
            answered[int(line[3:])] = []
        elif re.fullmatch(r"\d{3}", line):
            answered[max(answered)].append(int(line))
    said = dict(re.findall(r"^@@ (\d+)\n(.*?)(?=^@@ |\Z)", ran.stdout, re.M | re.S))
    wrong = {
        n: (body.splitlines()[0], answered.get(n), said.get(str(n), "").strip()[:300])
        for n, (want, body) in enumerate(examples)
        if answered.get(n) != want
    }
    assert wrong == {}, ran.stderr[-2000:]


def key_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


# --- the operator's guide -------------------------------------------------------------------------------
def test_the_operator_guides_commands_run_as_written(network, tmp_path):
    for n, area in enumerate(("511502001001001", "511502002001001", "511503001001001"), start=1):
        case_waiting(f"OP-{n}", area)  # FQ20260000001 … mediating, as the guide's examples name them
    env = os.environ | {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "FENGQIAO_SAMPLE_NETWORK": str(ROOT / "config" / "sample_network.yaml"),
        "FENGQIAO_CHROMIUM": "/nonexistent",  # the report is written as HTML: no browser needed
    }
    failed = []
    for info, body in blocks(OPERATOR, "sh"):
        assert info == "", f"an operator block names no status: {info}"
        ran = subprocess.run(["bash", "-e", "-c", body], cwd=tmp_path, env=env, capture_output=True, text=True)
        if ran.returncode != 0:
            failed.append((body, ran.stdout[-500:] + ran.stderr[-1500:]))
    assert failed == []
    assert (tmp_path / "月报.html").stat().st_size > 0


def test_the_long_running_commands_the_guides_show_exist():
    """Install, demo and serve are not run (minutes each): their commands are checked to exist."""
    commands = [line for _, body in blocks(OPERATOR, "console") for line in body.splitlines() if line.strip()]
    assert commands == ["python3 -m venv .venv", ".venv/bin/pip install -e .", "make demo", "fengqiao serve"]
    assert subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True).returncode == 0
    assert subprocess.run([str(BIN / "fengqiao"), "serve", "--help"], capture_output=True).returncode == 0
