"""Live views in real headless Chromium (issue 14, point 13): the ticket list shows a new ticket
without a reload; the wallboard lists each agent (state, calls, talk time) and each queue, and
its feed says what happened ("燃气泄漏/异味 · 故障报修 BX-… 北区")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import FakeClock, LiveServer, serve_with_phones
from playwright.async_api import expect
from web.console import ARTIFACTS, chromium, needs_chromium
from web.console import sign_in_page as sign_in

from hotline.telephony.runtime import DEMO_MEMBERS
from hotline.telephony.simulator import FakeAsterisk

pytestmark = needs_chromium

GAS_SMELL = {
    "type": "repair",
    "subtype": "gas_smell",
    "address": "北区 光明路 20号",
    "area": "北区",
    "caller_name": "王芳",
    "caller_phone": "13800138000",
    "description": "楼道里有煤气味",
}


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


async def test_a_new_ticket_shows_on_the_list_and_the_wallboard_without_a_reload(
    server: LiveServer,
) -> None:
    async with chromium() as browser:
        listing = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 800})
        await sign_in(listing, server, "disp", "/tickets")
        await listing.wait_for_selector('body[data-feed="open"]')
        wall = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        await sign_in(wall, server, "sup", "/wallboard")
        agents = wall.locator("#w-agents tbody tr")
        await expect(agents).to_have_count(2)
        await expect(agents.first).to_contain_text("agent")
        await expect(agents.first.locator("td").nth(1)).to_have_text("空闲")
        await expect(wall.locator("#w-queues tbody tr")).to_have_count(2)

        async with httpx.AsyncClient(base_url=server.base_url) as api:
            created = await api.post("/api/tickets", json=GAS_SMELL, headers=server.auth("agent"))
        assert created.status_code == 201, created.text
        number = created.json()["number"]

        await expect(listing.locator(f'#ticket-list a[href="/tickets/{number}"]')).to_be_visible()
        await listing.screenshot(path=str(ARTIFACTS / "tickets-live-zh.png"), full_page=True)
        line = wall.locator("#w-events li", has_text=number)
        await expect(line).to_contain_text(f"燃气泄漏/异味 · 故障报修 {number} 北区")
        await wall.screenshot(path=str(ARTIFACTS / "wallboard-agents-zh.png"), full_page=True)
