"""The installed package claims one top-level name, `fengqiao`: beside another distribution that
ships a top-level `config` (a common name), both import and the command runs the demo's first step.

The wheel is built from this checkout and installed with --no-deps into a new virtual environment;
its dependencies come from the test's own environment through a .pth line, so the test needs
nothing from the network but setuptools for the build.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _another_config_package(where: Path) -> Path:
    """A distribution named other-config whose only package is a top-level `config`."""
    (where / "config").mkdir(parents=True)
    (where / "config" / "__init__.py").write_text('OWNER = "other-config"\n')
    (where / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "other-config"\nversion = "1.0"\n[tool.setuptools]\npackages = ["config"]\n'
    )
    return where


def test_the_wheel_installs_as_fengqiao_alone_beside_a_top_level_config(tmp_path):
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", ROOT, cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("fengqiao-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"fengqiao", wheel.name.removesuffix("-py3-none-any.whl") + ".dist-info"}

    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    site = Path(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")  # prefect, sqlalchemy, … from here
    other = _another_config_package(tmp_path / "other")
    for target in (wheel, other):
        installed = _run(
            sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", target, cwd=tmp_path
        )
        assert installed.returncode == 0, installed.stderr[-2000:]

    elsewhere = tmp_path / "elsewhere"  # not the checkout: nothing may come from the working folder
    elsewhere.mkdir()
    both = _run(
        python,
        "-c",
        "import config, fengqiao.config.settings as s; print(config.OWNER, s.Settings.__name__)",
        cwd=elsewhere,
    )
    assert (both.returncode, both.stdout.strip()) == (0, "other-config Settings"), both.stderr[-2000:]

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FENGQIAO_", "PREFECT_"))}
    env |= {"FENGQIAO_HOME": str(tmp_path / "home"), "PATH": f"{venv / 'bin'}:{env['PATH']}"}
    helped = _run(venv / "bin" / "fengqiao", "--help", cwd=elsewhere, env=env)
    assert helped.returncode == 0 and "intake" in helped.stdout, helped.stderr[-2000:]
    # the demo's first steps: the schema and the shipped network (package data), a channel's records in
    applied = _run(venv / "bin" / "fengqiao", "config", "apply", cwd=elsewhere, env=env)
    assert applied.returncode == 0, (applied.stdout + applied.stderr)[-2000:]
    imported = _run(
        venv / "bin" / "fengqiao", "intake", ROOT / "examples" / "grid.jsonl", "--channel", "grid", "--no-start-flows",
        cwd=elsewhere,
        env=env,
    )  # fmt: skip
    assert imported.returncode == 0, (imported.stdout + imported.stderr)[-2000:]
    listed = _run(venv / "bin" / "fengqiao", "cases", cwd=elsewhere, env=env)
    grid_records = len((ROOT / "examples" / "grid.jsonl").read_text(encoding="utf-8").splitlines())
    assert (listed.returncode, listed.stdout.count("grid")) == (0, grid_records), listed.stdout + listed.stderr
