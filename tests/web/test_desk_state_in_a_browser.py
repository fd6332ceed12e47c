"""The desk shows the agent's state as the queues have it the moment it opens (issue 14,
point 9), in real headless Chromium against the fake Asterisk: ready on load, away after
stepping away and still away after a reload."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from conftest import FakeClock, LiveServer, serve_with_phones
from playwright.async_api import expect
from web.console import ARTIFACTS, chromium, needs_chromium
from web.console import sign_in_page as sign_in

from hotline.telephony.runtime import DEMO_MEMBERS
from hotline.telephony.simulator import FakeAsterisk

pytestmark = needs_chromium


@pytest.fixture
async def server(database_url: str, clock: FakeClock) -> AsyncIterator[LiveServer]:
    if "postgresql" in database_url:
        pytest.skip("a browser journey runs once, on SQLite")
    pbx = FakeAsterisk(members=DEMO_MEMBERS)
    await pbx.start()
    try:
        async with serve_with_phones(database_url, clock, pbx) as live:
            yield live
    finally:
        await pbx.close()


async def test_the_desk_opens_with_the_agents_state(server: LiveServer) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in(page, server, "agent", "/")
        await expect(page.locator("#status-now")).to_have_text("当前：空闲")
        await expect(page.locator('button.state[data-state="ready"]')).to_have_attribute(
            "aria-pressed", "true"
        )
        await page.screenshot(path=str(ARTIFACTS / "desk-state-ready-zh.png"))
        await page.click('button.state[data-state="away"]')
        await expect(page.locator('button.state[data-state="away"]')).to_have_attribute(
            "aria-pressed", "true"
        )
        await page.reload()
        await expect(page.locator("#status-now")).to_have_text("当前：离开")
        await expect(page.locator('button.state[data-state="ready"]')).to_have_attribute(
            "aria-pressed", "false"
        )
