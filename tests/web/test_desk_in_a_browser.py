"""The agent's desk in real headless Chromium: sign in, a call from the fake Asterisk pops the
caller's file within a second, the ticket is created from it, the draft survives a reload, and
markup in a customer's name stays text. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import (
    STAFF_PASSWORD,
    LiveServer,
    add_customer,
    answered_call,
    repair_in,
)
from sqlmodel import col, select
from web.console import ARTIFACTS, chromium, needs_chromium
from web.console import sign_in_page as sign_in

from hotline.db.tables import Customer, Ticket
from hotline.telephony.model import call_json
from hotline.telephony.simulator import FakeAsterisk
from hotline.web import session as session_module
from hotline.web.context import AppContext

XSS_NAME = "<script>window.hacked=1</script>张伟"
XSS_DESCRIPTION = "燃气灶打不着火 <img src=x onerror=window.hacked=2>"
pytestmark = needs_chromium


@pytest.fixture
async def desk_server(phones_once: LiveServer) -> LiveServer:
    await add_customer(
        phones_once.app_context,
        account="GS11",
        name=XSS_NAME,
        phone="+8613800138001",
        address="北区 光明路 20号",
        area="北区",
        special_care="elderly",
    )
    return phones_once


async def test_an_agent_takes_a_call_and_opens_a_repair_ticket(
    desk_server: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    async with chromium() as browser:
        wall = await browser.new_page(locale="zh-CN", viewport={"width": 1600, "height": 900})
        await sign_in(wall, desk_server, "sup", "/wallboard")
        await wall.wait_for_selector("body[data-refreshed]")
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await page.goto(f"{desk_server.base_url}/login")
        await page.screenshot(path=str(ARTIFACTS / "login-zh.png"))
        await page.fill('input[name="username"]', "agent")
        await page.fill('input[name="password"]', STAFF_PASSWORD)
        await page.click('form[action="/login"] button[type="submit"]')
        await page.wait_for_selector("#ticket-form")
        await page.wait_for_selector('body[data-feed="open"]')

        async with httpx.AsyncClient(base_url=desk_server.base_url) as api:
            outage = await api.post(
                "/api/tickets",
                json={
                    "type": "outage",
                    "subtype": "unplanned",
                    "area": "北区",
                    "description": "北区中压管线抢修，预计18:00恢复",
                },
                headers=desk_server.auth("sup"),
            )
            assert outage.status_code == 201, outage.text
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
        assert await page.is_visible("#pop-outage-box")
        assert "北区中压管线抢修" in (await page.text_content("#pop-outages") or "")
        assert await page.input_value('select[name="type"]') == "repair"
        assert await page.input_value('#ticket-form input[name="address"]') == "北区 光明路 20号"
        await page.screenshot(path=str(ARTIFACTS / "desk-pop-zh.png"), full_page=True)

        await page.fill('textarea[name="description"]', XSS_DESCRIPTION)
        await page.reload()
        await page.wait_for_selector("#ticket-form")
        assert await page.input_value('textarea[name="description"]') == XSS_DESCRIPTION

        await page.click('#ticket-form button[type="submit"]')
        await page.wait_for_selector("#form-error:not([hidden])")
        assert "该类工单须选择子类" in (await page.text_content("#ticket-form") or "")
        await page.select_option('select[name="subtype"]', "indoor_equipment")
        await page.click('#ticket-form button[type="submit"]')
        await page.wait_for_selector("#form-ok:not([hidden])")
        created = await page.text_content("#form-ok") or ""
        assert created.startswith("工单已创建") and " BX-" in created
        number = created.split()[-1]
        await wall.wait_for_selector(f"#w-events li:has-text('{number}')", timeout=5000)
        await wall.screenshot(path=str(ARTIFACTS / "wallboard-new-ticket-zh.png"), full_page=True)
        await page.screenshot(path=str(ARTIFACTS / "desk-created-zh.png"), full_page=True)
        # The form starts afresh: no longer a repair, so no appointment window.
        assert not await page.is_visible('#ticket-form input[name="appointment_start"]')

        await page.click('nav a[href="/tickets"]')
        await page.wait_for_selector(".clock .left:not(:empty)")
        countdown = await page.text_content(".clock .left") or ""
        assert "剩余" in countdown or "已超时" in countdown
        await page.screenshot(path=str(ARTIFACTS / "tickets-zh.png"), full_page=True)
        # A saved view swaps the list in place (HTMX): no page load, the address follows.
        await page.evaluate("window.stayed = true")
        await page.click('.views a[href="/tickets?view=mine"]')
        await page.wait_for_url("**/tickets?view=mine")
        await page.wait_for_selector('.views a[href="/tickets?view=mine"][aria-current]')
        assert await page.evaluate("window.stayed") is True
        await page.click('.views a[href="/tickets?view=all"]')
        await page.wait_for_selector('.views a[href="/tickets?view=all"][aria-current]')
        await page.click(f"table.list tbody a:has-text('{number}')")
        await page.wait_for_selector(".timeline li")
        assert "创建" in (await page.text_content(".timeline") or "")
        assert await page.text_content(".prewrap") == XSS_DESCRIPTION
        assert await page.evaluate("window.hacked") is None
        await page.screenshot(path=str(ARTIFACTS / "ticket-zh.png"), full_page=True)
        await page.go_back()

        await page.click('form[action="/language"] button')
        await page.wait_for_selector('html[lang="en"]')
        assert "left" in (await page.text_content(".clock .left") or "")
        await page.screenshot(path=str(ARTIFACTS / "tickets-en.png"), full_page=True)
        await page.click('nav a[href="/"]')
        await page.wait_for_selector("text=New ticket")
        # No raw keys in the English console: "gas smell", not "gas_smell".
        offered = await page.eval_on_selector_all(
            '#ticket-form select[name="subtype"] option', "os => os.map(o => o.textContent)"
        )
        assert "gas smell" in offered and not [text for text in offered if "_" in text]
        await page.screenshot(path=str(ARTIFACTS / "desk-en.png"), full_page=True)

        # Pages of other roles: absent from the agent's navigation and refused when typed in.
        assert await page.locator('nav a[href="/wallboard"]').count() == 0
        assert await page.locator('nav a[href^="/admin"]').count() == 0
        for path in ("/wallboard", "/admin/users", "/admin/calendar"):
            refused = await page.goto(f"{desk_server.base_url}{path}")
            assert refused is not None and refused.status == 403, path
        await page.screenshot(path=str(ARTIFACTS / "forbidden-en.png"))


async def test_the_supervisor_wallboard(
    desk_server: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1600, "height": 900})
        await sign_in(page, desk_server, "sup", "/wallboard")
        await page.wait_for_selector("body[data-refreshed]")
        assert await page.text_content("#w-ready") == "4"
        assert await page.is_hidden("#w-phone")
        await page.screenshot(path=str(ARTIFACTS / "wallboard-zh.png"), full_page=True)


async def test_the_admin_pages(desk_server: LiveServer) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        await sign_in(page, desk_server, "admin", "/admin")
        await page.wait_for_selector("h1:has-text('用户')")
        await page.screenshot(path=str(ARTIFACTS / "admin-users-zh.png"), full_page=True)
        for path, name in (
            ("/admin/departments", "admin-departments-zh"),
            ("/admin/sla", "admin-sla-zh"),
            ("/admin/calendar?year=2027", "admin-calendar-2027-zh"),
        ):
            await page.goto(f"{desk_server.base_url}{path}")
            await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        assert "2027 年尚无官方放假安排" in (await page.text_content(".banner") or "")

        await page.goto(f"{desk_server.base_url}/admin/routing")
        form = page.locator('form[action="/admin/routing/add"]')
        await form.locator('select[name="ticket_type"]').select_option("complaint")
        await form.locator('select[name="subtype"]').select_option("gas_smell")
        await form.locator('input[name="area"]').fill("北区")
        await form.locator('select[name="department"]').select_option("hotline")
        await form.locator('button[type="submit"]').click()
        await page.wait_for_selector(".field-error")
        assert await page.text_content(".field-error") == "不属于所选类型的子类"
        assert await form.locator('input[name="area"]').input_value() == "北区"
        await page.screenshot(path=str(ARTIFACTS / "admin-routing-refused-zh.png"), full_page=True)
        await form.locator('select[name="subtype"]').select_option("")
        await form.locator('button[type="submit"]').click()
        await page.wait_for_selector("p.ok[role=status]")
        assert await page.locator("table.list tbody tr").count() >= 1


async def test_an_unknown_caller_gets_a_file_then_a_complaint_and_a_booked_repair(
    desk_server: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
        await sign_in(page, desk_server, "agent", "/")
        await page.wait_for_selector('body[data-feed="open"]')
        fake_asterisk.place_call(
            caller="13911112222",
            ticket_type="complaint",
            agent_interface="PJSIP/8001",
            agent_name="Agent1",
        )
        await page.wait_for_selector("body[data-popped]", timeout=5000)
        assert await page.is_visible("#customer-form")
        await page.fill('#customer-form input[name="name"]', "周八")
        await page.fill('#customer-form input[name="address"]', "西区 长江路 8号")
        await page.fill('#customer-form input[name="area"]', "西区")
        await page.select_option('#customer-form select[name="special_care"]', "disabled")
        await page.screenshot(path=str(ARTIFACTS / "desk-unknown-caller-zh.png"), full_page=True)
        await page.click('#customer-form button[type="submit"]')
        await page.wait_for_selector("body[data-filed]")
        assert (await page.text_content("#pop-customer") or "").startswith("周八 · HL-")
        assert await page.text_content("#pop-care") == "残障"
        assert await page.input_value('#ticket-form input[name="address"]') == "西区 长江路 8号"

        # Only the complaint's subtypes are offered, and the named staff field shows.
        assert await page.input_value('#ticket-form select[name="type"]') == "complaint"
        assert await page.is_visible('#ticket-form input[name="named_staff"]')
        assert not await page.is_visible('#ticket-form input[name="appointment_start"]')
        offered = await page.eval_on_selector_all(
            '#ticket-form select[name="subtype"] option:not([hidden])', "os => os.map(o => o.value)"
        )
        assert set(offered) == {
            "",
            "service_attitude",
            "timeliness",
            "billing",
            "construction",
            "other",
        }
        await page.select_option('#ticket-form select[name="subtype"]', "service_attitude")
        await page.fill('#ticket-form input[name="named_staff"]', "tech, tech2")
        await page.fill('#ticket-form textarea[name="description"]', "维修人员态度差")
        await page.click('#ticket-form button[type="submit"]')
        await page.wait_for_selector("#form-ok:not([hidden])")
        complaint = (await page.text_content("#form-ok") or "").split()[-1]

        # A repair booked for a window: an end before the start is refused next to the field.
        await page.select_option('#ticket-form select[name="type"]', "repair")
        await page.select_option('#ticket-form select[name="subtype"]', "indoor_equipment")
        await page.fill('#ticket-form textarea[name="description"]', "热水器无法点火，约明天上门")
        await page.fill('#ticket-form input[name="appointment_start"]', "2026-11-21T14:00")
        await page.fill('#ticket-form input[name="appointment_end"]', "2026-11-21T12:00")
        await page.click('#ticket-form button[type="submit"]')
        await page.wait_for_selector("#ticket-form .field-error")
        await page.fill('#ticket-form input[name="appointment_end"]', "2026-11-21T16:00")
        await page.click('#ticket-form button[type="submit"]')
        await page.wait_for_selector("#form-ok:not([hidden])")
        repair = (await page.text_content("#form-ok") or "").split()[-1]
        await page.screenshot(path=str(ARTIFACTS / "desk-booked-repair-zh.png"), full_page=True)

    context = desk_server.app_context
    assert isinstance(context, AppContext)
    async with context.sessions() as session:
        tickets = {
            row.number: row
            for row in (
                await session.exec(
                    select(Ticket).where(col(Ticket.number).in_([complaint, repair]))
                )
            ).all()
        }
        filed = (await session.exec(select(Customer).where(Customer.name == "周八"))).one()
    assert tickets[complaint].named_staff == ["tech", "tech2"]
    assert tickets[complaint].customer_id == filed.id == tickets[repair].customer_id
    assert filed.special_care == "disabled"
    appointment = tickets[repair].appointment_start
    assert appointment is not None
    assert appointment.astimezone(UTC) == datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


async def test_an_expired_session_keeps_the_typed_draft(
    desk_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in(page, desk_server, "agent", "/")
        await page.wait_for_selector("#ticket-form")
        await page.select_option('#ticket-form select[name="type"]', "repair")
        await page.select_option('#ticket-form select[name="subtype"]', "network_fault")
        await page.fill('#ticket-form textarea[name="description"]', "小区门口管道漏气，已关闭总阀")
        await page.fill('#ticket-form input[name="address"]', "北区 光明路 小区大门")
        # Forty idle minutes pass (the limit is thirty).
        later = session_module.clock() + timedelta(minutes=40)
        monkeypatch.setattr(session_module, "clock", lambda: later)
        await page.click('#ticket-form button[type="submit"]')
        await page.wait_for_selector("#form-error:not([hidden])")
        assert "请重新登录" in (await page.text_content("#form-error") or "")
        await page.screenshot(path=str(ARTIFACTS / "desk-session-ended-zh.png"), full_page=True)
        await page.reload()
        await page.wait_for_url("**/login?next=/")
        await page.fill('input[name="username"]', "agent")
        await page.fill('input[name="password"]', STAFF_PASSWORD)
        await page.click('form[action="/login"] button[type="submit"]')
        await page.wait_for_selector("#ticket-form")
        assert await page.input_value('#ticket-form select[name="type"]') == "repair"
        assert await page.input_value('#ticket-form select[name="subtype"]') == "network_fault"
        assert (
            await page.input_value('#ticket-form textarea[name="description"]')
            == "小区门口管道漏气，已关闭总阀"
        )
        await page.click('#ticket-form button[type="submit"]')
        await page.wait_for_selector("#form-ok:not([hidden])")


async def test_the_dispatch_callback_and_report_pages(desk_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=desk_server.base_url) as api:
        for subtype, area in (("gas_smell", "北区"), ("indoor_equipment", "南区")):
            made = await api.post(
                "/api/tickets",
                json=repair_in(area, subtype),
                headers=desk_server.auth("agent"),
            )
            assert made.status_code == 201
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        await sign_in(page, desk_server, "disp", "/dispatch")
        await page.wait_for_selector("tbody.emergency")
        await page.wait_for_selector(".clock .left:not(:empty)")
        await page.screenshot(path=str(ARTIFACTS / "dispatch-zh.png"), full_page=True)
        other = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        await sign_in(other, desk_server, "qa", "/callbacks")
        await other.wait_for_selector("h1:has-text('回访任务')")
        await other.screenshot(path=str(ARTIFACTS / "callbacks-zh.png"), full_page=True)
        await other.goto(f"{desk_server.base_url}/reports")
        await other.wait_for_selector("table.kpi")
        await other.screenshot(path=str(ARTIFACTS / "reports-zh.png"), full_page=True)


async def test_a_pop_without_the_callers_file_tells_the_agent_to_go_by_the_number(
    desk_server: LiveServer,
) -> None:
    """The pop hotline sends while the database is away (hotline/telephony/screenpop.py):
    the call and the menu's choice, no file, and word of it — not the unknown caller's form."""
    answered = datetime.now(UTC)
    call = answered_call(answered, linkedid="1764000000.9")
    without_file = {
        "user": "agent",
        "call": call_json(call, desk_server.app_context.settings.timezone),
        "file_unavailable": True,
        "suggested": None,
        "customer": None,
        "unknown_caller": False,
        "open_tickets": [],
        "recent_calls": [],
        "outages": [],
        "incidents": [],
    }
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in(page, desk_server, "agent", "/")
        await page.wait_for_selector('body[data-feed="open"]')
        desk_server.app_context.bus.publish("screenpop.agent", answered, without_file)
        await page.wait_for_selector("body[data-popped]", timeout=5000)
        assert await page.is_visible("#pop-file-unavailable")
        assert "客户档案暂时无法读取" in (await page.text_content("#pop-file-unavailable") or "")
        assert not await page.is_visible("#customer-form")
        assert "138" in (await page.text_content("#pop-number") or "")
        await page.screenshot(path=str(ARTIFACTS / "desk-pop-file-unavailable-zh.png"))


async def test_a_desk_opened_mid_call_shows_the_call_the_agent_is_on(
    desk_server: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    """The agent's browser was closed, or on another worker that died, when the call
    connected: the desk opened mid-call pops that call's file as its feed opens."""
    context = desk_server.app_context
    assert isinstance(context, AppContext) and context.telephony is not None
    # Long enough to be still on when the browser has signed in.
    fake_asterisk.place_call(
        caller="13800138001",
        ticket_type="repair",
        agent_interface="PJSIP/8001",
        agent_name="Agent1",
        stretch=40.0,
    )
    while "AgentConnect" not in fake_asterisk.emitted_at:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    await context.telephony.writer.flushed()
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in(page, desk_server, "agent", "/")
        await page.wait_for_selector("body[data-popped]", timeout=5000)
        assert await page.text_content("#pop-customer") == f"{XSS_NAME} · GS11"
        assert await page.input_value('select[name="type"]') == "repair"
        await page.screenshot(path=str(ARTIFACTS / "desk-pop-on-reopen-zh.png"))
