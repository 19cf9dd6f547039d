"""Printing a self-contained HTML page to PDF with headless Chromium (Debian's package; FENGQIAO_CHROMIUM).

One process a page, with its own throw-away profile, no network and no header or footer: the
monthly report and the case's papers are printed the same way.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from fengqiao.config.settings import get_settings
from fengqiao.models.errors import ConfigurationError

TEMPLATES = Path(__file__).with_name("templates")


def print_pdf(html: str, *, what: str = "the report") -> bytes:
    chromium = get_settings().chromium
    if not Path(chromium).exists():
        raise ConfigurationError(
            f"FENGQIAO_CHROMIUM: 找不到 chromium {chromium} not found: install Debian's chromium", field="chromium"
        )
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp, "page.html"), Path(tmp, "page.pdf")
        source.write_text(html, encoding="utf-8")
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
        flags += ["--disable-component-update", "--disable-sync", f"--user-data-dir={tmp}/profile"]
        flags += ["--no-pdf-header-footer", f"--print-to-pdf={target}", source.as_uri()]
        done = subprocess.run([chromium, *flags], capture_output=True, timeout=120, check=False)
        if not target.exists():
            why = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise ConfigurationError(f"无法打印成PDF chromium could not print {what}: {why[0]}", field="chromium")
        return target.read_bytes()
