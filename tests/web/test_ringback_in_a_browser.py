"""A ring-back seen from the agent's desk in real headless Chromium: when the dialler rings the
agent's phone for a caller, the desk says whom before they pick up; the list of callers to call
back shows it being dialled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from conftest import FakeClock, LiveServer, serve_with_phones
from web.console import ARTIFACTS, chromium, needs_chromium
from web.console import sign_in_page as sign_in

from hotline.application import ringbacks as cases
from hotline.application.ringbacks import RingbackRequest
from hotline.telephony.runtime import DEMO_MEMBERS
from hotline.telephony.simulator import FakeAsterisk
from hotline.web.context import AppContext
from tickets.ringbacks import RingbackReason

pytestmark = needs_chromium


@pytest.fixture
async def server(database_url: str, clock: FakeClock) -> AsyncIterator[LiveServer]:
    if "postgresql" in database_url:
        pytest.skip("a browser journey runs once, on SQLite")
    pbx = FakeAsterisk(members=DEMO_MEMBERS, speed=20.0)
    await pbx.start()
    try:
        async with serve_with_phones(database_url, clock, pbx) as live:
            yield live
    finally:
        await pbx.close()


async def test_the_desk_tells_the_agent_whom_their_phone_rings_back(
    server: LiveServer, clock: FakeClock
) -> None:
    context = server.app_context
    assert isinstance(context, AppContext)
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in(page, server, "agent", "/")
        await page.wait_for_selector('body[data-feed="open"]')
        await cases.request_ringback(
            context,
            RingbackRequest(
                number="13900139000",
                customer_id=None,
                reason=RingbackReason.VIRTUAL_HOLD,
                ticket_type="repair",
                arrived_at=clock.now - timedelta(minutes=4),
                call_linkedid=None,
                queue="hotline",
            ),
        )
        assert await context.scheduler.dial_ringbacks_once() == 1
        banner = await page.wait_for_selector("#ringback-now:not([hidden])", timeout=5000)
        assert banner is not None
        assert "正在回拨 +8613900139000" in await banner.inner_text()
        await page.screenshot(path=str(ARTIFACTS / "desk-ringing-back-zh.png"))
        listed = await browser.new_page(locale="zh-CN")
        await sign_in(listed, server, "agent", "/ringbacks")
        row = await listed.inner_text("table.ringbacks tbody tr")
        assert "+8613900139000" in row and "正在拨打 PJSIP/8001" in row
        await listed.screenshot(path=str(ARTIFACTS / "ringbacks-zh.png"))
