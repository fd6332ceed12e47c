"""The dispatcher's choices in real headless Chromium: a gas smell at night preselects the
night crew; an off-shift technician needs a confirmation, and the notice names who got it; a
visit moved asks when the customer was told and says the 2 h rule's consequence before saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from conftest import SHANGHAI, FakeClock, LiveServer
from playwright.async_api import expect
from web.console import ARTIFACTS, chromium, needs_chromium, sign_in_page

pytestmark = needs_chromium


async def _post(
    client: httpx.AsyncClient, server: LiveServer, user: str, path: str, body: dict[str, object]
) -> dict[str, object]:
    response = await client.post(path, json=body, headers=server.auth(user))
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def test_a_gas_smell_at_night_goes_to_the_night_crew_unless_confirmed(
    phones_once: LiveServer, clock: FakeClock
) -> None:
    # 22:00 in Shanghai: the day crew has gone home, the night crew is at work.
    clock.now = datetime(2026, 11, 20, 22, 0, tzinfo=SHANGHAI).astimezone(UTC)
    async with httpx.AsyncClient(base_url=phones_once.base_url) as client:
        await _post(
            client,
            phones_once,
            "admin",
            "/api/crews",
            {"code": "day", "name": "日班", "areas": ["北区"], "members": ["tech"]},
        )
        await _post(
            client,
            phones_once,
            "admin",
            "/api/crews",
            {
                "code": "night",
                "name": "夜班",
                "areas": ["北区"],
                "members": ["tech2"],
                "shift_start": "20:00",
                "shift_end": "08:00",
            },
        )
        leak = await _post(
            client,
            phones_once,
            "agent",
            "/api/tickets",
            {
                "type": "repair",
                "subtype": "gas_smell",
                "address": "北区 光明路 20号",
                "area": "北区",
                "description": "楼道内燃气味很重",
            },
        )
    number = str(leak["number"])
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        await sign_in_page(page, phones_once, "disp", "/dispatch")
        row = page.locator("tr", has=page.locator(f'a[href="/tickets/{number}"]'))
        assign = row.locator('form[action$="/assign"]')
        chooser = assign.locator('select[name="technician"]')
        await expect(chooser).to_have_value("tech2")
        confirm = assign.locator(".off-shift-confirm")
        await expect(confirm).to_be_hidden()

        await chooser.select_option("tech")
        await expect(confirm).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "dispatch-off-shift-zh.png"), full_page=True)
        await assign.locator('button[type="submit"]').click()
        refused = page.locator(f'tr:has(a[href="/tickets/{number}"]) form[action$="/assign"]')
        await expect(refused.locator(".field-error")).to_contain_text("休班：请勾选确认")
        await expect(refused.locator('select[name="technician"]')).to_have_value("tech")
        await refused.locator('input[name="off_shift_confirmed"]').check()
        await refused.locator('button[type="submit"]').click()
        await page.wait_for_url("**/dispatch")
        await expect(page.locator("p.ok[role=status]")).to_contain_text(f"{number} 已派给")
        await expect(page.locator("p.ok[role=status]")).to_contain_text("日班, 休班")
        await page.screenshot(
            path=str(ARTIFACTS / "dispatch-off-shift-assigned-zh.png"), full_page=True
        )


async def test_moving_a_visit_asks_when_the_customer_was_told(
    phones_once: LiveServer, clock: FakeClock
) -> None:
    async with httpx.AsyncClient(base_url=phones_once.base_url) as client:
        await _post(
            client,
            phones_once,
            "admin",
            "/api/crews",
            {"code": "south", "name": "南区一班", "areas": ["南区"], "members": ["tech"]},
        )
        stove = await _post(
            client,
            phones_once,
            "agent",
            "/api/tickets",
            {
                "type": "repair",
                "subtype": "indoor_equipment",
                "address": "南区 湖滨路 5号",
                "area": "南区",
                "description": "热水器无法点火",
            },
        )
        start = (clock.now + timedelta(hours=3)).astimezone(SHANGHAI)
        await _post(
            client,
            phones_once,
            "disp",
            "/api/visits",
            {
                "ticket": stove["number"],
                "technician": "tech",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
                "consent": True,
            },
        )
    notice_by = start - timedelta(hours=2)
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        await sign_in_page(page, phones_once, "disp", "/dispatch")
        change = page.locator(".visit-change").first
        await change.locator("summary").click()
        move = change.locator('form[action$="/reschedule"]')
        await expect(move.locator(".notice-rule")).to_contain_text(
            f"须在 {notice_by:%m-%d %H:%M} 前"
        )
        later = start + timedelta(days=1)
        await move.locator('input[name="start"]').fill(f"{later:%Y-%m-%dT%H:%M}")
        await move.locator('input[name="end"]').fill(f"{later + timedelta(hours=2):%Y-%m-%dT%H:%M}")
        await move.locator('input[name="reason"]').fill("配件缺货")
        told = move.locator('input[name="customer_told_at"]')
        await told.fill(f"{notice_by + timedelta(minutes=30):%Y-%m-%dT%H:%M}")
        await expect(move.locator(".notice-late")).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "dispatch-move-late-zh.png"), full_page=True)
        await told.fill(f"{notice_by - timedelta(minutes=90):%Y-%m-%dT%H:%M}")
        await expect(move.locator(".notice-late")).to_be_hidden()
        await move.locator('button[type="submit"]').click()
        await page.wait_for_url("**/dispatch")
        await expect(page.locator("p.ok[role=status]")).to_have_text("上门已改约。")
