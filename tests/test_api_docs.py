"""The API's docs pages, Swagger UI and ReDoc, render in Chromium with the network cut: every file
they need comes from this server (the fastapi-offline package), none from a CDN.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from fengqiao.config.settings import get_settings
from fengqiao.dashboard.app import create_site
from tests.processes import free_port, wait_for

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def site() -> Iterator[str]:
    """The site under uvicorn in a thread, on a loopback port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_site(get_settings()), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_for("the site", lambda: httpx.get(f"{base}/api/v1/openapi.json").status_code == 200, timeout=60)
    yield base
    server.should_exit = True
    thread.join(timeout=30)


def test_swagger_ui_and_redoc_render_every_operation_with_the_network_cut(site):
    from playwright.sync_api import expect, sync_playwright

    spec = httpx.get(f"{site}/api/v1/openapi.json").json()
    operations = [
        (method.upper(), path) for path, item in spec["paths"].items() for method in item if method != "parameters"
    ]
    refused: list[str] = []

    def only_this_server(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if urlsplit(url).netloc == urlsplit(site).netloc or url.startswith(("data:", "blob:")):
            route.continue_()
        else:  # the network beyond this server is cut
            refused.append(url)
            route.abort("internetdisconnected")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=get_settings().chromium, headless=True, args=FLAGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.route("**/*", only_this_server)
        page = context.new_page()
        page.set_default_timeout(60_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(f"{site}/api/v1/docs")
        blocks = page.locator(".opblock-summary")
        expect(blocks).to_have_count(len(operations))
        swagger = sorted(
            (
                b.locator(".opblock-summary-method").inner_text(),
                b.locator(".opblock-summary-path").get_attribute("data-path"),
            )
            for b in blocks.all()
        )

        page.goto(f"{site}/api/v1/redoc")
        expect(page.locator("h1").first).to_contain_text("fengqiao 枫桥 API")
        redoc = page.locator('[data-section-id^="operation/"]')
        expect(redoc).to_have_count(len(operations))
        browser.close()

    assert swagger == sorted(operations)
    assert (refused, errors) == ([], [])
