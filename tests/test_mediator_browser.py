"""In Debian's Chromium, through real processes: a mediator signs in, records a session, uploads the
signed copy and records the agreement on its page; the case closes, and the coordinator's board,
open beside it, sees the case move on and leave the board without a reload."""

from __future__ import annotations

import pytest

from tests.factories import a_key, example_of
from tests.paperwork import PDF
from tests.processes import wait_for
from tests.test_api_e2e import SCREENSHOTS, http, serve, status_becomes


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_mediator_does_the_paperwork_in_the_browser_and_the_case_closes(network, processes):
    from playwright.sync_api import expect, sync_playwright

    from fengqiao.config.settings import get_settings

    base = serve(processes)
    root = base.removesuffix("/api/v1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    centre_key = a_key("coordinator", name="centre-paperwork")
    centre = centre_key["Authorization"].removeprefix("Bearer ")
    mediator = a_key("mediator", name="M-C04")["Authorization"].removeprefix("Bearer ")
    record = example_of("walk_in") | {"form_no": "YB-CP-ZX-20261105-161"}  # 白沙社区: M-C04 mediates
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=get_settings().chromium, headless=True, args=flags)
        board = browser.new_context().new_page()
        board.set_default_timeout(90_000)
        expect.set_options(timeout=90_000)
        board.goto(f"{root}/dashboard/login")
        board.fill("input[name=key]", centre)
        board.click("button[type=submit]")
        pushed = http.post(f"{base}/intake/walk_in", json=record, headers=a_key("integrator", name="window")).json()
        row = board.locator(f'tr[data-case="{pushed["case_no"]}"]')
        expect(row).to_have_attribute("data-status", "mediating")

        desk = browser.new_context().new_page()
        desk.set_default_timeout(90_000)
        desk.goto(f"{root}/dashboard/login")
        desk.fill("input[name=key]", mediator)
        desk.click("button[type=submit]")
        expect(desk.locator("h1")).to_contain_text("我的案件")
        desk.click(f'tr[data-case="{pushed["case_no"]}"] a')
        session = desk.locator("#session-form")
        session.locator("input[name=held_at]").fill("2026-11-24T10:00")
        session.locator("input[name=place]").fill("白沙社区调解室")
        session.locator("textarea[name=attendees]").fill("申请人\n被申请人")
        session.locator("input[name=mediators]").fill("韩志强")
        session.locator("textarea[name=content]").fill("双方陈述事实，同意由被申请人赔偿维修费800元。")
        session.locator("button").click()
        expect(desk.locator("#sessions li")).to_have_count(1)
        desk.locator("#upload-form input[name=file]").set_input_files(
            {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        desk.locator("#upload-form button").click()
        expect(desk.locator("#papers")).to_contain_text("Signed Copy of the Agreement")
        agreement = desk.locator("#agreement-form")
        agreement.locator("textarea[name=terms]").fill("被申请人于2026年12月31日前赔偿维修费800元。")
        agreement.locator("input[name=amount]").fill("800")
        agreement.locator("input[name=perform_by]").fill("2026-12-31")
        agreement.locator("input[name=manner]").fill("银行转账")
        agreement.locator("#record-agreement").click()
        desk.screenshot(path=SCREENSHOTS / "mediator-case.png", full_page=True)

        wait_for("the case to close", status_becomes(base, pushed["case_id"], centre_key, "closed"))
        expect(row).to_have_count(0)  # the board shows open cases: the closed one has left it, by polling alone
        desk.goto(f"{root}/dashboard/my")
        expect(desk.locator(f'tr[data-case="{pushed["case_no"]}"]')).to_contain_text("follow_up")
        desk.screenshot(path=SCREENSHOTS / "mediator-worklist.png", full_page=True)
        case_file = desk.request.get(f"{root}/dashboard/my/cases/{pushed['case_no']}/case-file")
        assert case_file.status == 200 and case_file.body().startswith(b"%PDF-")
        browser.close()
