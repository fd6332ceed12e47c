"""`/dispatch`, `/my-work` and `/reports` over HTTP: the dispatcher books a visit from the board
(a bad window is shown next to its field, what was typed kept), the technician sees the work
order, the report shows its figures; each page only for its roles."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from conftest import FakeClock, repair_in
from web.console import csrf_of, field_errors, sign_in

TZ = ZoneInfo("Asia/Shanghai")


async def new_repair(browser: httpx.AsyncClient, subtype: str, area: str) -> str:
    page = await browser.get("/tickets")
    created = await browser.post(
        "/api/tickets",
        json=repair_in(area, subtype),
        headers={"X-CSRF-Token": csrf_of(page.text)},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["number"])


async def book_through_api(
    browser: httpx.AsyncClient,
    headers: dict[str, str],
    number: str,
    technician: str,
    start: datetime,
) -> httpx.Response:
    """A two-hour visit from `start`, booked with the customer's consent."""
    booked = await browser.post(
        "/api/visits",
        json={
            "ticket": number,
            "technician": technician,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "consent": True,
        },
        headers=headers,
    )
    assert booked.status_code == 201, booked.text
    return booked


async def test_the_dispatcher_books_a_visit_from_the_board(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, "disp")
    leak = await new_repair(browser, "gas_smell", "北区")
    stove = await new_repair(browser, "indoor_equipment", "南区")
    board = await browser.get("/dispatch")
    assert board.status_code == 200
    assert board.text.index(leak) < board.text.index(stove)  # the emergency on top
    assert 'class="emergency"' in board.text and "南区" in board.text
    token = csrf_of(board.text)
    local = clock.now.astimezone(TZ)
    start = (local + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M")
    before = (local + timedelta(hours=19)).strftime("%Y-%m-%dT%H:%M")
    refused = await browser.post(
        f"/dispatch/{stove}/book",
        data={
            "csrf_token": token,
            "technician": "tech",
            "start": start,
            "end": before,
            "consent": "yes",
        },
    )
    assert refused.status_code == 422
    assert field_errors(refused.text) == ["预约时段须在开始之后结束"]
    assert f'value="{before}"' in refused.text  # what was typed stays
    end = (local + timedelta(hours=22)).strftime("%Y-%m-%dT%H:%M")
    booked = await browser.post(
        f"/dispatch/{stove}/book",
        data={
            "csrf_token": token,
            "technician": "tech",
            "start": start,
            "end": end,
            "consent": "yes",
        },
    )
    assert booked.status_code == 303
    after = await browser.get("/dispatch")
    assert "已预约上门" in after.text and stove not in after.text
    assign = await browser.post(
        f"/dispatch/{leak}/assign", data={"csrf_token": token, "technician": "tech2"}
    )
    assert assign.status_code == 303
    await browser.post("/logout", data={"csrf_token": csrf_of(after.text)})
    await sign_in(browser, "tech")
    work = await browser.get("/my-work")
    assert work.status_code == 200 and stove in work.text
    assert (local + timedelta(hours=20)).strftime("%m-%d %H:%M") in work.text
    assert 'href="/my-work"' in work.text and 'href="/dispatch"' not in work.text


async def test_the_dispatcher_hands_a_crews_order_to_another_technician(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, "sup")
    headers = {"X-CSRF-Token": csrf_of((await browser.get("/tickets")).text)}
    for code, name, member in (("north", "北区一班", "tech"), ("south", "南区一班", "tech2")):
        made = await browser.post(
            "/api/crews",
            json={"code": code, "name": name, "areas": ["北区"], "members": [member]},
            headers=headers,
        )
        assert made.status_code == 201, made.text
    stove = await new_repair(browser, "indoor_equipment", "北区")
    start = clock.now + timedelta(hours=4)
    await book_through_api(browser, headers, stove, "tech", start)
    board = await browser.get("/dispatch")
    assert "改派" in board.text and f'action="/dispatch/{stove}/assign"' in board.text
    handed = await browser.post(
        f"/dispatch/{stove}/assign",
        data={"csrf_token": csrf_of(board.text), "technician": "tech2"},
    )
    assert handed.status_code == 303
    after = await browser.get("/dispatch")
    south = after.text[after.text.index("南区一班") :]
    assert stove in south  # now under tech2's crew, its visit with it
    assert f"{start.astimezone(TZ):%H:%M}" in south
    bogus = await browser.post(
        f"/dispatch/{stove}/explode", data={"csrf_token": csrf_of(after.text)}
    )
    assert bogus.status_code == 404


async def test_the_dispatcher_moves_and_cancels_a_visit_from_the_board(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, "sup")
    headers = {"X-CSRF-Token": csrf_of((await browser.get("/tickets")).text)}
    made = await browser.post(
        "/api/crews",
        json={"code": "north", "name": "北区一班", "areas": ["北区"], "members": ["tech", "tech2"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    stove = await new_repair(browser, "indoor_equipment", "北区")
    start = clock.now + timedelta(hours=3)
    booked = await book_through_api(browser, headers, stove, "tech", start)
    visit = booked.json()["id"]
    board = await browser.get("/dispatch")
    token = csrf_of(board.text)
    # The form comes filled with the window as booked, in local time.
    assert f'value="{start.astimezone(TZ):%Y-%m-%dT%H:%M}"' in board.text
    later = (start + timedelta(days=1)).astimezone(TZ)
    no_reason = await browser.post(
        f"/dispatch/visits/{visit}/reschedule",
        data={
            "csrf_token": token,
            "start": f"{later:%Y-%m-%dT%H:%M}",
            "end": f"{later + timedelta(hours=2):%Y-%m-%dT%H:%M}",
            "reason": "",
        },
    )
    assert no_reason.status_code == 422
    assert sorted(field_errors(no_reason.text)) == ["必填：通知客户改期的时间", "请填写变更原因"]
    assert f'value="{later:%Y-%m-%dT%H:%M}"' in no_reason.text  # what was typed stays
    moved = await browser.post(
        f"/dispatch/visits/{visit}/reschedule",
        data={
            "csrf_token": token,
            "start": f"{later:%Y-%m-%dT%H:%M}",
            "end": f"{later + timedelta(hours=2):%Y-%m-%dT%H:%M}",
            "technician": "tech2",
            "reason": "原维修工请假",
            "customer_told_at": f"{clock.now.astimezone(TZ):%Y-%m-%dT%H:%M}",
        },
    )
    assert moved.status_code == 303
    notice = await browser.get("/dispatch")
    assert "上门已改约。" in notice.text and "计入班组责任" not in notice.text
    ticket = (await browser.get(f"/api/tickets/{stove}")).json()
    assert ticket["assignee"] == "tech2"
    new_visit = re.search(r'action="/dispatch/visits/(\d+)/cancel"', notice.text)
    assert new_visit is not None and new_visit.group(1) != str(visit)
    clock.advance(hours=23)  # an hour before the new window, and nobody told the customer
    cancelled = await browser.post(
        f"/dispatch/visits/{new_visit.group(1)}/cancel",
        data={"csrf_token": token, "reason": "配件缺货"},
    )
    assert cancelled.status_code == 303
    told = await browser.get("/dispatch")
    assert "上门已取消。 未提前 2 小时告知客户：计入班组责任。" in told.text
    gone = await browser.post(
        f"/dispatch/visits/{new_visit.group(1)}/cancel",
        data={"csrf_token": token, "reason": "再次取消"},
    )
    assert gone.status_code == 409


async def test_the_technician_works_the_order_from_their_page(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, "disp")
    stove = await new_repair(browser, "indoor_equipment", "南区")
    board = await browser.get("/dispatch")
    start = (clock.now + timedelta(hours=1)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    end = (clock.now + timedelta(hours=3)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    booked = await browser.post(
        f"/dispatch/{stove}/book",
        data={
            "csrf_token": csrf_of(board.text),
            "technician": "tech",
            "start": start,
            "end": end,
            "consent": "yes",
        },
    )
    assert booked.status_code == 303
    await browser.post("/logout", data={"csrf_token": csrf_of(board.text)})
    await sign_in(browser, "tech")
    work = await browser.get("/my-work")
    order = re.search(r'action="/my-work/orders/(\d+)/start"', work.text)
    assert order is not None and stove in work.text
    assert 'action="/my-work/visits/' not in work.text  # the window has not begun
    assert 'class="clock' in work.text  # the countdowns
    token = csrf_of(work.text)
    path = f"/my-work/orders/{order.group(1)}"
    clock.advance(hours=1, minutes=10)
    started = await browser.post(f"{path}/start", data={"csrf_token": token})
    assert started.status_code == 303
    arrived = await browser.post(f"{path}/arrive", data={"csrf_token": token})
    assert arrived.status_code == 303
    notice = await browser.get("/my-work")
    assert "已记录“到达现场”" in notice.text
    visit = re.search(r'action="(/my-work/visits/\d+/done)"', notice.text)
    assert visit is not None
    unsaid = await browser.post(f"{path}/fix", data={"csrf_token": token, "note": " "})
    assert unsaid.status_code == 422 and field_errors(unsaid.text) == ["请填写处理内容"]
    fixed = await browser.post(f"{path}/fix", data={"csrf_token": token, "note": "更换减压阀"})
    assert fixed.status_code == 303
    card = await browser.get("/my-work")
    assert "接下来：调度员确认并办结工单" in card.text  # what comes next
    again = await browser.post(f"{path}/fix", data={"csrf_token": token, "note": "更换减压阀"})
    assert again.status_code == 409 and "工单已有新进展" in again.text  # a second tap
    done = await browser.post(visit.group(1), data={"csrf_token": token})
    assert done.status_code == 303
    twice = await browser.post(visit.group(1), data={"csrf_token": token})
    assert twice.status_code == 409
    ticket = await browser.get(f"/api/tickets/{stove}")
    assert ticket.json()["status"] == "in_progress"
    fix = next(c for c in ticket.json()["clocks"] if c["name"] == "fix")
    assert fix["stopped_at"] is not None
    # Someone else's order is not theirs to step.
    await browser.post("/logout", data={"csrf_token": token})
    await sign_in(browser, "tech2")
    other = await browser.get("/my-work")
    assert stove not in other.text
    refused = await browser.post(f"{path}/start", data={"csrf_token": csrf_of(other.text)})
    assert refused.status_code == 403


async def test_the_report_page_shows_the_period(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "qa")
    page = await browser.get("/reports", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200
    assert "维修及时率" in page.text and "format=xlsx" in page.text
    reversed_period = await browser.get(
        "/reports", params={"from": "2026-11-30", "to": "2026-11-01"}
    )
    assert "请选择不超过一年" in reversed_period.text


async def test_each_field_page_is_for_its_roles(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "agent")
    for path in ("/dispatch", "/my-work", "/reports"):
        assert (await browser.get(path)).status_code == 403, path
    forged = await browser.post("/dispatch/BX-1/assign", data={"technician": "tech"})
    assert forged.status_code == 403


async def test_a_breach_recorded_by_a_step_on_the_technicians_page_is_announced(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    """The crew arrives after the 6 h handle clock ran out: the step records the breach, and
    the supervisors hear of it at once, as they do when the step is taken through the API."""
    await sign_in(browser, "disp")
    stove = await new_repair(browser, "indoor_equipment", "南区")
    page = await browser.get("/tickets")
    assigned = await browser.post(
        f"/api/tickets/{stove}/actions/assign",
        json={"assignee": "tech"},
        headers={"X-CSRF-Token": csrf_of(page.text)},
    )
    assert assigned.status_code == 200, assigned.text
    await browser.post("/logout", data={"csrf_token": csrf_of(page.text)})
    await sign_in(browser, "tech")
    work = await browser.get("/my-work")
    order = re.search(r'action="(/my-work/orders/\d+)/start"', work.text)
    assert order is not None
    token = csrf_of(work.text)
    clock.advance(hours=7)
    bus = browser.app_context.bus  # type: ignore[attr-defined]
    async with bus.subscribe("sla") as alarms:
        assert (
            await browser.post(f"{order.group(1)}/start", data={"csrf_token": token})
        ).status_code == 303
        assert (
            await browser.post(f"{order.group(1)}/arrive", data={"csrf_token": token})
        ).status_code == 303
        heard = alarms.drain()
    assert [(event.topic, event.data["ticket"], event.data["clock"]) for event in heard] == [
        ("sla.breach", stove, "handle")
    ]
