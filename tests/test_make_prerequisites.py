"""`make test` on a fresh machine checks what it needs before it installs or runs anything
(.ci/prerequisites): it names exactly what is missing, and installs Debian packages with apt-get
directly as root, through sudo only when not root (and never tries sudo where there is none).

Nothing is installed here: a missing Chromium is given as a path that does not exist and the
apt-get commands are printed (PREREQUISITES_DRY_RUN=1), or the run stops before them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "prerequisites"
PG = ("PG_HOST", "PG_PORT")


def prerequisites(env: dict[str, str]) -> tuple[int, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", *PG)} | env
    done = subprocess.run(["bash", str(SCRIPT)], env=base, capture_output=True, text=True, timeout=60, cwd="/")
    return done.returncode, (done.stdout + done.stderr).strip()


def test_in_ci_a_missing_postgresql_stops_it_before_anything_is_installed():
    port = free_port()
    code, said = prerequisites({"CI": "true", "PG_PORT": str(port), "PREREQUISITES_DRY_RUN": "1"})
    assert (code, said) == (
        1,
        "make test cannot start; it needs:\n"
        f"  - PostgreSQL at 127.0.0.1:{port} (CI=true runs the PostgreSQL half of the tests): install and start it "
        "(Debian: apt-get install postgresql), with trust auth for 127.0.0.1 and a database named test",
    )


def test_as_root_a_missing_chromium_is_installed_with_apt_get_itself_not_sudo():
    port = free_port()  # no PostgreSQL there
    code, said = prerequisites({"CHROMIUM": "/nowhere/chromium", "PG_PORT": str(port), "PREREQUISITES_DRY_RUN": "1"})
    assert (code, said.splitlines()) == (
        0,
        [
            f"note: no PostgreSQL at 127.0.0.1:{port}: the PostgreSQL half of the tests will be skipped (CI=true fails instead)",
            "installing chromium with apt-get",
            "would run: apt-get update -qq",
            "would run: env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium",
        ],
    )


def test_not_root_and_without_sudo_it_says_what_to_run_as_root():
    where = Path(tempfile.mkdtemp(prefix="fq-prerequisites-"))  # in /tmp: the user nobody can reach it
    where.chmod(0o755)
    bin_dir = where / "bin"  # the machine's tools, less sudo
    bin_dir.mkdir()
    for tool in ("bash", "fc-list", "grep", "timeout", "id", "apt-get", "env"):
        (bin_dir / tool).symlink_to(shutil.which(tool))  # type: ignore[arg-type]
    (bin_dir / "python3").symlink_to("/usr/bin/python3")  # Debian's: a Python in /root is not nobody's
    script = where / "prerequisites"
    shutil.copy(SCRIPT, script)
    script.chmod(0o755)

    try:
        done = subprocess.run(
            ["runuser", "-u", "nobody", "--", str(bin_dir / "env"), f"PATH={bin_dir}", "CHROMIUM=/nowhere/chromium",
             f"PG_PORT={free_port()}", "CI=", f"{bin_dir}/bash", str(script)],  # CI= : not CI's run, whatever runs this
            capture_output=True, text=True, timeout=60, cwd="/",
        )  # fmt: skip
    finally:
        shutil.rmtree(where)

    assert (done.returncode, done.stderr.strip()) == (
        1,
        "make test cannot start; it needs:\n"
        "  - chromium: not root and no sudo; as root run: apt-get install --no-install-recommends chromium",
    )


def test_make_test_checks_the_prerequisites_before_the_dev_install_and_lint():
    outside_make = {
        k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    }  # CI runs us in make
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "test"],
        cwd=ROOT,
        env=outside_make,
        capture_output=True,
        text=True,
        timeout=60,
    )
    first = done.stdout.splitlines()[0]
    assert first.endswith("bash .ci/prerequisites") and first.startswith("PYTHON=")
    assert done.stdout.index(".ci/prerequisites") < done.stdout.index("ruff check") < done.stdout.index("pytest")


def test_a_python_that_does_not_run_is_named_not_a_silent_exit():
    code, said = prerequisites({"PYTHON": "/bin/false", "PREREQUISITES_DRY_RUN": "1"})
    assert (code, said.splitlines()[:2]) == (
        1,
        [
            "make test cannot start; it needs:",
            "  - Python 3.11 or later: /bin/false is not a working Python (its --version failed); give another with "
            "PYTHON=…",
        ],
    )
