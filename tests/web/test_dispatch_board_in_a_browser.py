"""An outage evening's board in real headless Chromium: an area with more repairs waiting than
the board lists ends with how many more there are, and the link opens the ticket list filtered
to that area. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import httpx
from conftest import FakeClock, LiveServer, repair_in
from playwright.async_api import expect
from web.console import ARTIFACTS, chromium, needs_chromium, sign_in_page

from hotline.services.dispatch import BOARD_ROWS_PER_AREA

pytestmark = needs_chromium


async def test_an_area_past_the_boards_rows_links_to_the_rest(
    phones_once: LiveServer, clock: FakeClock
) -> None:
    async with httpx.AsyncClient(base_url=phones_once.base_url) as client:

        async def repair(subtype: str, area: str) -> str:
            made = await client.post(
                "/api/tickets",
                json=repair_in(area, subtype, "管道压力低，灶具火小"),
                headers=phones_once.auth("agent"),
            )
            assert made.status_code == 201, made.text
            return str(made.json()["number"])

        north = []
        for _ in range(BOARD_ROWS_PER_AREA + 3):
            clock.advance(minutes=1)
            north.append(await repair("network_fault", "北区"))
        leak = await repair("gas_smell", "北区")
        south = await repair("indoor_equipment", "南区")

    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        await sign_in_page(page, phones_once, "disp", "/dispatch")
        await expect(page.locator("h1")).to_have_text("待派工维修单")
        emergency = page.locator("tbody.emergency")
        await expect(emergency.locator(f'a[href="/tickets/{leak}"]')).to_have_count(1)
        area = page.locator("table.board tbody", has=page.locator("th", has_text="北区"))
        listed = area.locator("tr", has=page.locator("a[href^='/tickets/BX-']"))
        await expect(listed).to_have_count(BOARD_ROWS_PER_AREA)
        await expect(listed.first).to_contain_text(north[0])
        await expect(listed.last).to_contain_text(north[BOARD_ROWS_PER_AREA - 1])
        more = area.locator("tr.more a")
        await expect(more).to_have_text("还有 3 条，见工单列表")
        southern = page.locator("table.board tbody", has=page.locator("th", has_text="南区"))
        await expect(southern.locator(f'a[href="/tickets/{south}"]')).to_have_count(1)
        await expect(southern.locator("tr.more")).to_have_count(0)
        await more.scroll_into_view_if_needed()
        await page.screenshot(path=str(ARTIFACTS / "dispatch-board-storm-zh.png"), full_page=True)

        await more.click()
        await page.wait_for_url("**/tickets?type=repair&area=*")
        await expect(page.locator('.filters input[name="area"]')).to_have_value("北区")
        await expect(page.locator('.filters select[name="type"]')).to_have_value("repair")
        rows = page.locator("#ticket-list tbody tr")
        await expect(rows).to_have_count(30)
        await expect(page.locator(f'#ticket-list a[href="/tickets/{south}"]')).to_have_count(0)
        await expect(page.locator("#ticket-list .pages a")).to_have_text("下一页")
        await page.screenshot(path=str(ARTIFACTS / "dispatch-area-list-zh.png"), full_page=True)
