"""The agent's desk in real headless Chromium: sign in, a call from the fake Asterisk pops the
caller's file within a second, the ticket is created from it, the draft survives a reload, and
markup in a customer's name stays text. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import (
    STAFF_PASSWORD,
    FakeClock,
    LiveServer,
    add_staff,
    ami_url_of,
    app_settings,
    serve_live,
)

from hotline.db.tables import Customer, CustomerAddress, CustomerPhone
from hotline.telephony.simulator import FakeAsterisk
from hotline.web.app import create_app
from hotline.web.context import AppContext

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
XSS_NAME = "<script>window.hacked=1</script>张伟"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() or shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (make test installs it where it can)",
)


@pytest.fixture
async def desk_server(
    database_url: str, clock: FakeClock, fake_asterisk: FakeAsterisk
) -> AsyncIterator[LiveServer]:
    if "postgresql" in database_url:
        pytest.skip("the browser journey runs once, on SQLite; the API under it runs on both")
    tokens = await add_staff(database_url, clock.now)
    settings = app_settings(database_url, ami_url=ami_url_of(fake_asterisk))
    async with serve_live(create_app(settings, clock=clock), tokens) as server:
        context = server.app_context
        assert isinstance(context, AppContext) and context.telephony is not None
        await context.telephony.line().client.wait_connected(5)
        async with context.sessions() as session, session.begin():
            customer = Customer(
                account_number="GS11", name=XSS_NAME, created_at=clock.now, special_care="elderly"
            )
            session.add(customer)
            await session.flush()
            assert customer.id is not None
            session.add(CustomerPhone(customer_id=customer.id, number="+8613800138001"))
            session.add(
                CustomerAddress(
                    customer_id=customer.id,
                    address="北区 光明路 20号",
                    area="北区",
                    is_primary=True,
                )
            )
        yield server


async def test_an_agent_takes_a_call_and_opens_a_repair_ticket(
    desk_server: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await page.goto(f"{desk_server.base_url}/login")
        await page.screenshot(path=str(ARTIFACTS / "login-zh.png"))
        await page.fill('input[name="username"]', "agent")
        await page.fill('input[name="password"]', STAFF_PASSWORD)
        await page.click('form[action="/login"] button[type="submit"]')
        await page.wait_for_selector("#ticket-form")
        await page.wait_for_selector('body[data-feed="open"]')

        fake_asterisk.place_call(
            caller="13800138001",
            ticket_type="repair",
            agent_interface="PJSIP/8001",
            agent_name="Agent1",
        )
        await page.wait_for_selector("body[data-popped]", timeout=5000)
        seen = time.monotonic()
        assert seen - fake_asterisk.emitted_at["AgentConnect"] < 1.0
        assert await page.text_content("#pop-customer") == f"{XSS_NAME} · GS11"
        assert await page.evaluate("window.hacked") is None
        assert await page.text_content("#pop-care") == "老人"
        assert await page.input_value('select[name="type"]') == "repair"
        assert await page.input_value('input[name="address"]') == "北区 光明路 20号"
        await page.screenshot(path=str(ARTIFACTS / "desk-pop-zh.png"), full_page=True)

        await page.fill('textarea[name="description"]', "燃气灶打不着火")
        await page.reload()
        await page.wait_for_selector("#ticket-form")
        assert await page.input_value('textarea[name="description"]') == "燃气灶打不着火"

        await page.click('#ticket-form button[type="submit"]')
        await page.wait_for_selector("#form-error:not([hidden])")
        assert "subtype" in (await page.text_content("#ticket-form") or "")
        await page.select_option('select[name="subtype"]', "indoor_equipment")
        await page.click('#ticket-form button[type="submit"]')
        await page.wait_for_selector("#form-ok:not([hidden])")
        created = await page.text_content("#form-ok") or ""
        assert created.startswith("工单已创建") and " BX-" in created
        await page.screenshot(path=str(ARTIFACTS / "desk-created-zh.png"), full_page=True)
        assert not await page.is_visible('select[name="subtype"]')  # not a repair any more

        await page.click('nav a[href="/tickets"]')
        await page.wait_for_selector(".clock .left:not(:empty)")
        countdown = await page.text_content(".clock .left") or ""
        assert "剩余" in countdown or "已超时" in countdown
        await page.screenshot(path=str(ARTIFACTS / "tickets-zh.png"), full_page=True)
        await page.click("table.list tbody a")
        await page.wait_for_selector(".timeline li")
        assert "创建" in (await page.text_content(".timeline") or "")
        await page.screenshot(path=str(ARTIFACTS / "ticket-zh.png"), full_page=True)
        await page.go_back()

        await page.click('form[action="/language"] button')
        await page.wait_for_selector('html[lang="en"]')
        assert "left" in (await page.text_content(".clock .left") or "")
        await page.screenshot(path=str(ARTIFACTS / "tickets-en.png"), full_page=True)
        await page.click('nav a[href="/"]')
        await page.wait_for_selector("text=New ticket")
        await page.screenshot(path=str(ARTIFACTS / "desk-en.png"), full_page=True)
        await browser.close()


async def test_the_supervisor_wallboard(
    desk_server: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1600, "height": 900})
        await page.goto(f"{desk_server.base_url}/login?next=/wallboard")
        await page.fill('input[name="username"]', "sup")
        await page.fill('input[name="password"]', STAFF_PASSWORD)
        await page.click('form[action="/login"] button[type="submit"]')
        await page.wait_for_selector("body[data-refreshed]")
        assert await page.text_content("#w-ready") == "4"
        assert await page.is_hidden("#w-phone")
        await page.screenshot(path=str(ARTIFACTS / "wallboard-zh.png"), full_page=True)
        await browser.close()
