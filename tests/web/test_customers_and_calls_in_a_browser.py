"""Finding and linking in real headless Chromium: a customer found by a phone typed with
spaces, their file with phones, addresses, tickets and calls (times in words, never ISO); the
call log with its filters and pages, customers and agents by name, links to tickets."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from conftest import STAFF_PASSWORD, LiveServer, add_customer
from playwright.async_api import expect
from web.console import ARTIFACTS, chromium, needs_chromium, sign_in_page

from hotline.telephony.simulator import FakeAsterisk

pytestmark = needs_chromium


async def _logged_call(client: httpx.AsyncClient, server: LiveServer) -> str:
    for _ in range(100):
        found = await client.get("/api/calls", headers=server.auth("sup"))
        items = found.json()["items"]
        if items and items[0]["disposition"]:
            return str(items[0]["linkedid"])
        await asyncio.sleep(0.1)
    raise AssertionError("the call never reached the call log")


async def test_a_customer_found_by_phone_and_the_call_log_names_and_links(
    phones_once: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    customer = await add_customer(
        phones_once.app_context,
        account="GS31",
        name="赵敏",
        phone="+8613812345678",
        address="东区 人民路 66号",
        area="东区",
    )
    await fake_asterisk.place_call(
        caller="13812345678",
        ticket_type="repair",
        agent_interface="PJSIP/8001",
        agent_name="Agent1",
    )
    async with httpx.AsyncClient(base_url=phones_once.base_url) as client:
        linkedid = await _logged_call(client, phones_once)
        made = await client.post(
            "/api/tickets",
            json={
                "type": "repair",
                "subtype": "indoor_equipment",
                "customer_id": customer,
                "caller_phone": "13812345678",
                "call_linkedid": linkedid,
                "description": "燃气表漏气声",
            },
            headers=phones_once.auth("agent"),
        )
        assert made.status_code == 201, made.text
    number = made.json()["number"]

    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in_page(page, phones_once, "agent", "/")
        await page.click('nav a[href="/customers"]')
        await page.fill('input[name="q"]', "138 1234 5678")
        await page.click('form[role=search] button[type="submit"]')
        found = page.locator("table.list tbody tr")
        await expect(found).to_have_count(1)
        await expect(found).to_contain_text("赵敏")
        await page.screenshot(path=str(ARTIFACTS / "customers-search-zh.png"), full_page=True)
        for typed in ("赵敏", "GS31", "人民路"):
            await page.goto(f"{phones_once.base_url}/customers?q={typed}")
            await expect(page.locator("table.list tbody tr")).to_contain_text("赵敏")

        await page.click(f'a[href="/customers/{customer}"] >> nth=0')
        await expect(page.locator("h1")).to_contain_text("赵敏")
        await expect(page.locator(".facts")).to_contain_text("+8613812345678")
        await expect(page.locator(".facts")).to_contain_text("东区 人民路 66号")
        await expect(page.locator(f'a[href="/tickets/{number}"]')).to_be_visible()
        calls = page.locator(f'a[href="/calls/{linkedid}"]')
        # In words: "今天 14:05", "昨天 09:10" or "11-28 14:30" (the fake PBX keeps real time).
        await expect(calls).to_have_text(re.compile(r"^(今天|昨天|\d\d-\d\d) \d\d:\d\d$"))
        await page.screenshot(path=str(ARTIFACTS / "customer-file-zh.png"), full_page=True)

        await calls.click()
        await expect(page.locator(".facts")).to_contain_text(number)

        await page.goto(f"{phones_once.base_url}/calls?disposition=answered")
        row = page.locator("table.calls tbody tr", has=page.locator(f'a[href="/tickets/{number}"]'))
        await expect(row).to_contain_text("赵敏")
        await expect(row).not_to_contain_text("Agent1")
        await expect(row.locator(f'a[href="/customers/{customer}"]')).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "calls-filtered-zh.png"), full_page=True)
        await page.goto(f"{phones_once.base_url}/calls?disposition=abandoned&from=nonsense")
        await expect(page.locator(".call-filters .field-error")).to_have_text("请填写日期")

        phone = await browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
        await sign_in_page(phone, phones_once, "agent", "/calls")
        await phone.goto(f"{phones_once.base_url}/calls")
        header = phone.locator("table.calls th").first
        box = await header.bounding_box()
        assert box is not None and box["height"] < 40, box
        await phone.screenshot(path=str(ARTIFACTS / "calls-390-zh.png"), full_page=True)


@pytest.mark.parametrize(
    ("user", "work", "width"),
    [("disp", "/dispatch", 1280), ("tech", "/my-work", 390), ("qa", "/callbacks", 1280)],
)
async def test_signing_in_lands_on_the_roles_work(
    phones_once: LiveServer, user: str, work: str, width: int
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": width, "height": 844})
        await page.goto(f"{phones_once.base_url}/login")
        await page.fill('input[name="username"]', user)
        await page.fill('input[name="password"]', STAFF_PASSWORD)
        await page.click('form[action="/login"] button[type="submit"]')
        await page.wait_for_url(f"**{work}")
        await page.screenshot(path=str(ARTIFACTS / f"landing-{user}-zh.png"), full_page=True)
