"""The field pages in real headless Chromium: the dispatcher books a visit from the board (the
gas smell pinned on top, its countdown live), the technician finds it on their work list; the
quality staff work a callback from a missed call to an unhappy survey that reopens the ticket;
the report draws its bars. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from conftest import SHANGHAI, FakeClock, LiveServer, add_customer
from playwright.async_api import Locator, Page, expect
from web.console import ARTIFACTS, chromium, needs_chromium, sign_in_page

pytestmark = needs_chromium

CUSTOMER = {"account": "GS21", "name": "王芳", "phone": "+8613800138021"}
ADDRESS = {"address": "南区 湖滨路 5号 2单元 301", "area": "南区"}


@pytest.fixture
def field_server(phones_once: LiveServer) -> LiveServer:
    return phones_once


class Staff:
    """The API as the staff use it, bearer tokens on the live server: the setting of a scene."""

    def __init__(self, server: LiveServer, client: httpx.AsyncClient) -> None:
        self.server = server
        self.client = client

    async def post(self, user: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body, headers=self.server.auth(user))
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    async def repair(self, customer: int, subtype: str, area: str, description: str) -> str:
        made = await self.post(
            "agent",
            "/api/tickets",
            {
                "type": "repair",
                "subtype": subtype,
                "customer_id": customer,
                "caller_phone": CUSTOMER["phone"],
                "caller_name": CUSTOMER["name"],
                "address": f"{area} 湖滨路 5号",
                "area": area,
                "description": description,
            },
        )
        return str(made["number"])

    async def act(self, user: str, number: str, action: str, **body: Any) -> None:
        await self.post(user, f"/api/tickets/{number}/actions/{action}", body)

    async def fix(self, number: str) -> None:
        await self.act("disp", number, "assign", assignee="tech")
        for action in ("start", "arrive"):
            await self.act("tech", number, action)
        await self.act("tech", number, "fix", note="更换减压阀")


async def customer_of(server: LiveServer) -> int:
    return await add_customer(server.app_context, **CUSTOMER, **ADDRESS)


def row_of(page: Page, number: str) -> Locator:
    """The table row of a ticket (its number links to the ticket)."""
    return page.locator("tr", has=page.locator(f'a[href="/tickets/{number}"]'))


def tab(page: Page, name: str) -> Locator:
    """One of the worklist's tabs (due, surveying, upcoming, finished)."""
    return page.locator(f'.views a[href^="/callbacks?tab={name}"]')


async def test_the_dispatcher_books_a_visit_and_the_technician_sees_it(
    field_server: LiveServer, clock: FakeClock
) -> None:
    customer = await customer_of(field_server)
    async with httpx.AsyncClient(base_url=field_server.base_url) as client:
        staff = Staff(field_server, client)
        await staff.post(
            "admin",
            "/api/crews",
            {"code": "south-1", "name": "南区一班", "areas": ["南区"], "members": ["tech"]},
        )
        stove = await staff.repair(customer, "indoor_equipment", "南区", "热水器无法点火")
        leak = await staff.repair(customer, "gas_smell", "北区", "楼道内有明显燃气味")
    # Tomorrow, well inside the crew's shift (08:00–20:00 local).
    tomorrow = clock.now.astimezone(SHANGHAI).date() + timedelta(days=1)
    start, end, too_early = f"{tomorrow}T10:00", f"{tomorrow}T12:00", f"{tomorrow}T09:30"

    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        # The browser's own clock is held still, so the countdown moves only when we move it.
        browser_now = datetime(2026, 1, 1, tzinfo=UTC)
        await page.clock.set_fixed_time(browser_now)
        await sign_in_page(page, field_server, "disp", "/dispatch")
        await expect(page.locator("h1")).to_have_text("待派工维修单")

        # The gas smell first, above every area, under its own red heading.
        emergency = page.locator("tbody.emergency")
        await expect(emergency.locator("th")).to_have_text("燃气泄漏——紧急")
        numbers = await page.locator("table.list tbody a[href^='/tickets/']").all_text_contents()
        assert numbers == [leak, stove]
        assert await emergency.locator(f'a[href="/tickets/{leak}"]').count() == 1
        # Its handle clock counts down from the server's now, and keeps counting.
        countdown = row_of(page, leak).locator(".clock").first
        await expect(countdown).to_have_text("处理 30m 剩余")
        await page.clock.set_fixed_time(browser_now + timedelta(minutes=2))
        await expect(countdown).to_have_text("处理 28m 剩余")
        await page.screenshot(path=str(ARTIFACTS / "field-dispatch-board-zh.png"), full_page=True)

        # A visit for the ordinary repair: the window typed backwards is refused at its field.
        stove_row = row_of(page, stove)
        await expect(stove_row.locator("summary")).to_have_text("预约上门")
        assert await row_of(page, leak).locator("summary").count() == 0  # no waiting on a leak
        await stove_row.locator("summary").click()
        booking = stove_row.locator('form[action$="/book"]')
        await booking.locator('select[name="technician"]').select_option("tech")
        await booking.locator('input[name="start"]').fill(start)
        await booking.locator('input[name="end"]').fill(too_early)
        await booking.locator('input[name="consent"]').check()
        await booking.locator('button[type="submit"]').click()
        await page.wait_for_url("**/dispatch/*/book")
        booking = row_of(page, stove).locator('form[action$="/book"]')
        reason = booking.locator(".field-error")
        await expect(reason).to_have_text("预约时段须在开始之后结束")
        # The reason sits right after the end field, in the same label.
        await expect(
            booking.locator("label", has=page.locator('input[name="end"]'))
        ).to_contain_text("预约时段须在开始之后结束")
        await expect(booking).to_be_visible()  # the form stays open
        await expect(booking.locator('select[name="technician"]')).to_have_value("tech")
        await expect(booking.locator('input[name="start"]')).to_have_value(start)
        await expect(booking.locator('input[name="end"]')).to_have_value(too_early)
        await expect(booking.locator('input[name="consent"]')).to_be_checked()
        # The open form leaves the repair's own columns readable: the number on one line.
        number_box = await row_of(page, stove).locator("td").first.locator("a").bounding_box()
        assert number_box is not None and number_box["height"] < 30, number_box
        await page.screenshot(path=str(ARTIFACTS / "field-dispatch-refused-zh.png"), full_page=True)

        await booking.locator('input[name="end"]').fill(end)
        await booking.locator('button[type="submit"]').click()
        await page.wait_for_url("**/dispatch")
        # Received today at 10:00, the repair is to be fixed by 10:00 tomorrow: the dispatcher
        # is told that this window, agreed with the customer, makes the fix late.
        await expect(page.locator("p.ok[role=status]")).to_have_text(
            f"已预约上门。该时段结束晚于修复时限（{tomorrow:%m-%d} 10:00），修复将超时。"
        )
        await expect(row_of(page, stove)).to_have_count(0)  # it has a crew now
        # The leak goes to the other technician straight away.
        assign = row_of(page, leak).locator('form[action$="/assign"]')
        await assign.locator('select[name="technician"]').select_option("tech2")
        await assign.locator('button[type="submit"]').click()
        await expect(page.locator("p.ok[role=status]")).to_contain_text(f"{leak} 已派给")
        await expect(page.locator("table.list tbody td")).to_have_text("没有待派工的维修单。")

        # The next morning the crew's day shows the visit.
        clock.now = datetime.combine(tomorrow, time(8), SHANGHAI).astimezone(UTC)
        await page.goto(f"{field_server.base_url}/dispatch")
        crew = page.locator(".crew", has=page.locator("h3", has_text="南区一班"))
        await expect(crew.locator("h3")).to_contain_text("南区 · 08:00–20:00")
        await expect(crew.locator(".bookings li")).to_contain_text(f"10:00–12:00 {stove}")
        await expect(crew.locator(":scope > p")).to_have_text("tech · 在办工单: 1")
        await page.screenshot(
            path=str(ARTIFACTS / "field-dispatch-crew-day-zh.png"), full_page=True
        )

        # Reported while the board is open: a gas smell is an alarm naming it, the rest counted.
        await page.wait_for_selector("body[data-feed=open]")
        async with httpx.AsyncClient(base_url=field_server.base_url) as client:
            staff = Staff(field_server, client)
            second_leak = await staff.repair(customer, "gas_smell", "北区", "地下室燃气味")
            await staff.repair(customer, "network_fault", "北区", "调压箱异响")
        alarm = page.locator("#new-emergency")
        await expect(alarm).to_contain_text("燃气泄漏报修：请立即派工")
        await expect(alarm.locator(f'a[href="/tickets/{second_leak}"]')).to_have_text(second_leak)
        await expect(alarm.locator("li")).to_contain_text("北区 湖滨路 5号")
        await expect(page.locator("#new-waiting")).to_contain_text("打开本页后又有 1 个维修报修。")
        await page.screenshot(path=str(ARTIFACTS / "field-dispatch-alarm-zh.png"), full_page=True)

        worker = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 800})
        await sign_in_page(worker, field_server, "tech", "/my-work")
        await expect(worker.locator("h1")).to_have_text("我的派工单")
        order = worker.locator(".work-order", has=worker.locator(f'a[href="/tickets/{stove}"]'))
        await expect(order).to_contain_text("户内设施")
        await expect(order).to_contain_text("南区 湖滨路 5号")
        await expect(order).to_contain_text("+8613800138021")
        await expect(order.locator(".visits li")).to_have_text(
            re.compile(rf"{tomorrow:%m-%d} 10:00–12:00")
        )
        assert await worker.locator('nav a[href="/dispatch"]').count() == 0
        assert await worker.locator(f'a[href="/tickets/{leak}"]').count() == 0  # tech2's
        await worker.screenshot(path=str(ARTIFACTS / "field-my-work-zh.png"), full_page=True)
        # On a technician's phone the page fits the screen: nothing to scroll sideways.
        await worker.set_viewport_size({"width": 390, "height": 844})
        widths = await worker.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], widths
        await worker.screenshot(path=str(ARTIFACTS / "field-my-work-phone-zh.png"), full_page=True)


async def test_the_quality_staff_work_a_callback_to_an_unhappy_survey(
    field_server: LiveServer, clock: FakeClock
) -> None:
    customer = await customer_of(field_server)
    async with httpx.AsyncClient(base_url=field_server.base_url) as client:
        staff = Staff(field_server, client)
        number = await staff.repair(customer, "indoor_equipment", "南区", "燃气灶打不着火")
        await staff.fix(number)
        await staff.act("disp", number, "resolve")
    clock.advance(hours=3)  # 13:00: the callback, two hours after the fix, is due

    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1500, "height": 900})
        await sign_in_page(page, field_server, "qa", "/callbacks")
        await expect(page.locator("h1")).to_have_text("回访任务")
        task = row_of(page, number)
        await expect(task).to_contain_text("王芳")
        await expect(task).to_contain_text("待回访")
        await page.screenshot(path=str(ARTIFACTS / "field-callbacks-due-zh.png"), full_page=True)

        # The scheduler puts it forward while the page is open: a banner says so, the page
        # itself stays as it is (a survey may be half typed).
        await page.wait_for_selector("body[data-feed=open]")
        assert await field_server.app_context.scheduler.offer_callbacks_once() == 1  # type: ignore[attr-defined]
        await expect(page.locator("#new-due")).to_contain_text("打开本页后又有 1 个回访到期。")
        await expect(page.locator("#new-due a")).to_have_attribute(
            "href", "/callbacks?tab=due&who=all"
        )

        # Nobody answers: the task waits for another half-day and leaves the due list.
        attempt = task.locator('form[action$="/attempt"]')
        await attempt.locator('select[name="outcome"]').select_option("no_answer")
        await attempt.locator('input[name="note"]').fill("响铃一分钟无人接")
        await attempt.locator('button[type="submit"]').click()
        await expect(page.locator("p.ok[role=status]")).to_have_text("已记录本次回访。")
        await expect(row_of(page, number)).to_have_count(0)
        await tab(page, "upcoming").click()
        later = row_of(page, number)
        tried = clock.now.astimezone(SHANGHAI)
        await expect(later).to_contain_text(f"{tried:%m-%d %H:%M} 无人接听 (qa)")
        await expect(later).to_contain_text(f"{tried + timedelta(days=1):%m-%d} 08:00")
        await page.screenshot(
            path=str(ARTIFACTS / "field-callbacks-upcoming-zh.png"), full_page=True
        )

        # The next morning the customer answers; the survey is taken right there, on the tab
        # where the call was made.
        clock.advance(hours=20)
        await tab(page, "due").click()
        attempt = row_of(page, number).locator('form[action$="/attempt"]')
        await attempt.locator('select[name="outcome"]').select_option("reached")
        await attempt.locator('button[type="submit"]').click()
        await expect(page.locator("p.ok[role=status]")).to_have_text("已记录本次回访。")
        await expect(tab(page, "due").first).to_have_attribute("aria-current", "page")
        survey = row_of(page, number).locator('form[action$="/survey"]')
        await expect(survey).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "field-callbacks-survey-zh.png"), full_page=True)

        # A score the server refuses (past the browser's own check) is shown at its field and
        # keeps everything typed, the "not solved" answer too; "on time" left unanswered is asked.
        await survey.evaluate("form => { form.noValidate = true; }")
        await survey.locator('input[name="score"]').fill("9")
        await survey.locator('input[name="courtesy"]').fill("3")
        await survey.locator('input[name="resolved"][value="no"]').check()
        await survey.locator('input[name="comment"]').fill("还是打不着")
        await survey.locator('button[type="submit"]').click()
        survey = row_of(page, number).locator('form[action$="/survey"]')
        await expect(survey.locator(".field-error")).to_have_text(["须为 1 至 5", "请选择一项"])
        await expect(survey.locator('input[name="comment"]')).to_have_value("还是打不着")
        await expect(survey.locator('input[name="courtesy"]')).to_have_value("3")
        await expect(survey.locator('input[name="resolved"][value="no"]')).to_be_checked()
        await survey.locator('input[name="on_time"][value="yes"]').check()

        await survey.locator('input[name="score"]').fill("2")
        await survey.locator('button[type="submit"]').click()
        await expect(page.locator("p.ok[role=status]")).to_have_text(
            "回访结果已保存，工单已重新打开。"
        )
        await expect(row_of(page, number)).to_have_count(0)
        await tab(page, "finished").click()
        done = row_of(page, number)
        await expect(done).to_contain_text("已完成")
        await expect(done).to_contain_text("满意度（1-5）: 2 · 还是打不着")
        await page.screenshot(
            path=str(ARTIFACTS / "field-callbacks-finished-zh.png"), full_page=True
        )

        # The ticket is open again, and its timeline says why.
        await done.locator(f'a[href="/tickets/{number}"]').click()
        await page.wait_for_selector(".timeline li")
        await expect(page.locator(".card p strong").first).to_have_text("已派单")
        await expect(page.locator(".timeline")).to_contain_text(
            "回访不满意：满意度 2 分，问题未解决"
        )
        # The supervisor's escalation, in words.
        await expect(page.locator(".timeline li.escalation")).to_contain_text(
            "回访不满意 · 满意度调查"
        )
        await page.screenshot(path=str(ARTIFACTS / "field-reopened-ticket-zh.png"), full_page=True)


def month_of(moment: datetime) -> tuple[date, date]:
    local = moment.astimezone(SHANGHAI).date()
    first = local.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


async def test_the_report_draws_its_bars(field_server: LiveServer, clock: FakeClock) -> None:
    customer = await customer_of(field_server)
    async with httpx.AsyncClient(base_url=field_server.base_url) as client:
        staff = Staff(field_server, client)
        # Two different faults: neither repair counts as the other's repeat.
        numbers = [
            await staff.repair(customer, subtype, "南区", description)
            for subtype, description in (
                ("indoor_equipment", "热水器漏水"),
                ("network_fault", "楼前调压箱异响"),
            )
        ]
        for number in numbers:
            await staff.fix(number)
        clock.advance(hours=3)
        # One customer satisfied, one not: half the bar.
        for number, score in zip(numbers, (5, 2), strict=True):
            tasks = await client.get(
                "/api/callbacks", params={"ticket": number}, headers=field_server.auth("qa")
            )
            [task] = tasks.json()["items"]
            path = f"/api/callbacks/{task['id']}"
            await staff.post("qa", f"{path}/attempts", {"outcome": "reached"})
            await staff.post(
                "qa",
                f"{path}/survey",
                {"score": score, "resolved": True, "on_time": True, "courtesy": 4},
            )
    first, last = month_of(clock.now)

    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        await sign_in_page(page, field_server, "qa", "/reports")
        await expect(page.locator("h1")).to_have_text("考核指标报表")
        await page.fill('input[name="from"]', first.isoformat())
        await page.fill('input[name="to"]', last.isoformat())
        await page.click('form[action="/reports"] button[type="submit"]')
        await page.wait_for_url(re.compile(rf"from={first}&to={last}$"))
        kpi = page.locator("table.kpi")
        # Each figure the repairs and their callbacks give has a bar, filled as far as it says.
        for label, share in (
            ("维修及时率", 1.0),
            ("一次性维修合格率", 1.0),
            ("回访率", 1.0),
            ("满意率", 0.5),
        ):
            cell = kpi.locator("tr", has=page.locator("th", has_text=label)).locator("td").first
            await expect(cell).to_have_text(f"{share * 100:.1f}%")
            meter = await cell.locator(".meter").bounding_box()
            fill = await cell.locator(".meter > span").bounding_box()
            assert meter is not None and fill is not None, label
            assert meter["width"] > 100 and meter["height"] > 5, (label, meter)
            assert fill["width"] == pytest.approx(meter["width"] * share, abs=1), label
            assert fill["height"] == meter["height"], label
        satisfied = kpi.locator("tr", has=page.locator("th", has_text="满意率"))
        await expect(satisfied.locator("td.hint")).to_have_text("平均 3.5 分（满分 5）")
        # No consultation in the period: a dash, not an empty bar.
        consult = kpi.locator("tr", has=page.locator("th", has_text="咨询按时答复率"))
        assert await consult.locator(".meter").count() == 0
        await expect(consult.locator("td").first).to_have_text("—")
        # The month's row for the department draws its bars too.
        by_month = page.locator("section.card", has=page.locator("h2", has_text="按月份和部门"))
        month_row = by_month.locator("tbody tr").first
        await expect(month_row.locator("td").first).to_have_text(f"{first:%Y-%m}")
        await expect(month_row.locator("td").nth(1)).to_have_text("热线服务中心")  # not its code
        boxes = [await m.bounding_box() for m in await month_row.locator(".meter > span").all()]
        widths = [box["width"] if box else 0 for box in boxes]
        assert len(widths) == 4 and widths[-1] == pytest.approx(widths[0] / 2, abs=1), widths
        # The daily trend: a group per local day in each chart; the deadlines met that day drawn.
        trend = page.locator("#trend")
        await expect(trend.locator("h2")).to_have_text("每日趋势")
        days = (last - first).days + 1
        await expect(trend.locator("svg.trend-calls g.day")).to_have_count(days)
        await expect(trend.locator("svg.trend-deadlines g.day")).to_have_count(days)
        met_days = trend.locator("svg.trend-deadlines g.day:not([data-met='0'])")
        assert await met_days.count() >= 1
        bar = await met_days.first.locator("rect.bar-met").bounding_box()
        assert bar is not None and bar["height"] > 5, bar
        await expect(trend.locator("svg.trend-calls title").first).to_have_text("每日来电")
        await trend.screenshot(path=str(ARTIFACTS / "field-reports-trend-zh.png"))
        await page.screenshot(path=str(ARTIFACTS / "field-reports-zh.png"), full_page=True)
