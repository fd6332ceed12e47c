"""Two callers on one desk, in real headless Chromium: each call gets a form of its own, named
after it; a second pop never changes what the first call's form holds; a second ticket on the
same call keeps the caller's phone, name and address."""

from __future__ import annotations

import httpx
import pytest
from conftest import LiveServer, add_customer
from playwright.async_api import Page
from sqlmodel import col, select
from web.console import ARTIFACTS, chromium, needs_chromium
from web.console import sign_in_page as sign_in

from hotline.db.tables import Ticket
from hotline.telephony.simulator import FakeAsterisk
from hotline.web.context import AppContext

pytestmark = needs_chromium
FIELD = "#ticket-form [name='{}']"


@pytest.fixture
async def two_callers(phones_once: LiveServer) -> LiveServer:
    await add_customer(
        phones_once.app_context,
        account="GS21",
        name="张伟",
        phone="+8613800138001",
        address="北区 光明路 20号",
        area="北区",
    )
    await add_customer(
        phones_once.app_context,
        account="GS22",
        name="李娜",
        phone="+8613900139002",
        address="南区 长江路 8号",
        area="南区",
    )
    return phones_once


async def _next_pop(page: Page, before: str | None) -> str:
    await page.wait_for_function(
        "(before) => document.body.dataset.popped && document.body.dataset.popped !== before",
        arg=before,
        timeout=5000,
    )
    return str(await page.evaluate("document.body.dataset.popped"))


async def _value(page: Page, name: str) -> str:
    return await page.input_value(FIELD.format(name))


async def test_a_second_pop_opens_a_second_form_and_leaves_the_first_alone(
    two_callers: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
        await sign_in(page, two_callers, "agent", "/")
        await page.wait_for_selector('body[data-feed="open"]')

        fake_asterisk.place_call(
            caller="13800138001", ticket_type="repair", agent_interface="PJSIP/8001"
        )
        first = await _next_pop(page, None)
        assert "张伟" in (await page.text_content("#form-call") or "")
        await page.select_option(FIELD.format("subtype"), "indoor_equipment")
        await page.fill(FIELD.format("description"), "张伟家热水器无法点火")

        fake_asterisk.place_call(
            caller="13900139002", ticket_type="consultation", agent_interface="PJSIP/8001"
        )
        second = await _next_pop(page, first)
        # The form shown is the second caller's, all of it: nothing of the first carried over.
        assert "李娜" in (await page.text_content("#form-call") or "")
        assert (await _value(page, "caller_phone")).endswith("13900139002")
        assert await _value(page, "caller_name") == "李娜"
        assert await _value(page, "address") == "南区 长江路 8号"
        assert await _value(page, "call_linkedid") == second
        assert await _value(page, "description") == ""
        assert await _value(page, "type") == "consultation"
        assert await page.locator("#call-tabs [role=tab]").count() == 3
        await page.screenshot(path=str(ARTIFACTS / "desk-two-calls-zh.png"), full_page=True)

        # The first call's form is as it was left, with its own pop.
        await page.click(f"#call-tabs [data-call='{first}']")
        assert (await _value(page, "caller_phone")).endswith("13800138001")
        assert await _value(page, "caller_name") == "张伟"
        assert await _value(page, "description") == "张伟家热水器无法点火"
        assert await _value(page, "subtype") == "indoor_equipment"
        assert await page.text_content("#pop-customer") == "张伟 · GS21"
        # It survives a reload, as the tab shown.
        await page.reload()
        await page.wait_for_selector('body[data-feed="open"]')
        assert await _value(page, "description") == "张伟家热水器无法点火"
        assert await _value(page, "call_linkedid") == first

        # Two tickets on the second call: the second keeps the caller's phone, name, address.
        await page.click(f"#call-tabs [data-call='{second}']")
        numbers = []
        for description in ("咨询阶梯气价", "咨询过户手续"):
            await page.fill(FIELD.format("description"), description)
            await page.click("#ticket-form button[type=submit]")
            await page.wait_for_selector(f"#form-ok a:nth-of-type({len(numbers) + 1})")
            numbers.append(await page.text_content(f"#form-ok a:nth-of-type({len(numbers) + 1})"))
            assert (await _value(page, "caller_phone")).endswith("13900139002")
            assert await _value(page, "caller_name") == "李娜"
            assert await _value(page, "description") == ""
        await page.screenshot(path=str(ARTIFACTS / "desk-second-ticket-zh.png"), full_page=True)
        await page.click(f"#form-ok a:has-text('{numbers[0]}')")
        await page.wait_for_url(f"**/tickets/{numbers[0]}")

        phone = await browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
        await sign_in(phone, two_callers, "agent", "/")
        await phone.wait_for_selector("#call-tabs [role=tab]")
        await phone.screenshot(path=str(ARTIFACTS / "desk-390-zh.png"), full_page=True)

    context = two_callers.app_context
    assert isinstance(context, AppContext)
    async with context.sessions() as session:
        made = (await session.exec(select(Ticket).where(col(Ticket.number).in_(numbers)))).all()
    assert len(made) == 2
    for ticket in made:
        assert ticket.caller_phone == "+8613900139002"
        assert ticket.caller_name == "李娜"
        assert ticket.call_linkedid == second


async def test_a_gas_smell_without_an_address_is_refused_at_the_address(
    two_callers: LiveServer,
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
        await sign_in(page, two_callers, "agent", "/")
        await page.wait_for_selector("#call-tabs [role=tab]")
        await page.select_option(FIELD.format("type"), "repair")
        await page.select_option(FIELD.format("subtype"), "gas_smell")
        await page.fill(FIELD.format("description"), "楼道里有燃气味")
        await page.click("#ticket-form button[type=submit]")
        reason = page.locator("#ticket-form label:has([name='address']) .field-error[role=alert]")
        await reason.wait_for()
        assert await reason.text_content() == "必填：维修人员上门的地址"
        assert "请修改标出的字段" in (await page.text_content("#form-error") or "")
        await page.screenshot(path=str(ARTIFACTS / "desk-no-address-zh.png"), full_page=True)
        await page.fill(FIELD.format("address"), "北区 光明路 20号 3单元")
        await page.click("#ticket-form button[type=submit]")
        await page.wait_for_selector("#form-ok a")


async def test_a_repeat_call_joins_the_open_ticket_and_notes_follow_it(
    two_callers: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    async with httpx.AsyncClient(base_url=two_callers.base_url) as client:
        made = await client.post(
            "/api/tickets",
            json={
                "type": "repair",
                "subtype": "indoor_equipment",
                "caller_phone": "13800138001",
                "address": "北区 光明路 20号",
                "description": "热水器无法点火",
            },
            headers=two_callers.auth("agent"),
        )
        assert made.status_code == 201, made.text
    number = made.json()["number"]
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
        await sign_in(page, two_callers, "agent", "/")
        await page.wait_for_selector('body[data-feed="open"]')
        fake_asterisk.place_call(
            caller="13800138001", ticket_type="repair", agent_interface="PJSIP/8001"
        )
        await _next_pop(page, None)
        assert "重复来电" in (await page.text_content("#pop-repeat") or "")
        adding = page.locator(f"form.add-call[data-ticket='{number}']")
        await adding.locator("input[name=body]").fill("客户再次来电催修")
        await page.screenshot(path=str(ARTIFACTS / "desk-repeat-call-zh.png"), full_page=True)
        await adding.locator("button").click()
        await page.wait_for_selector(f"body[data-added='{number}']")
        assert "已并入" in (await adding.locator("[role=status]").text_content() or "")

        dispatcher = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in(dispatcher, two_callers, "disp", f"/tickets/{number}")
        await dispatcher.wait_for_selector(".timeline li")
        assert "客户再次来电催修" in (await dispatcher.text_content(".timeline") or "")
        await dispatcher.fill("#note-form textarea[name=body]", "已联系北区班组，今晚上门")
        await dispatcher.click("#note-form button[type=submit]")
        await dispatcher.wait_for_selector(".timeline li:has-text('已联系北区班组')")
        await dispatcher.screenshot(path=str(ARTIFACTS / "ticket-notes-zh.png"), full_page=True)


async def test_every_fault_of_the_form_shows_at_once_next_to_its_field(
    two_callers: LiveServer,
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
        await sign_in(page, two_callers, "agent", "/")
        await page.wait_for_selector("#call-tabs [role=tab]")
        await page.select_option(FIELD.format("type"), "repair")
        await page.click("#ticket-form button[type=submit]")
        await page.wait_for_selector("#ticket-form .field-error")
        reasons = {
            name: await page.text_content(f"#ticket-form label:has([name='{name}']) .field-error")
            for name in ("subtype", "address", "description")
        }
        assert reasons == {
            "subtype": "该类工单须选择子类",
            "address": "必填：维修人员上门的地址",
            "description": "必填",
        }
        await page.screenshot(path=str(ARTIFACTS / "desk-all-errors-zh.png"), full_page=True)
