"""An outage in real headless Chromium (issue 11, points 4 and 8): the outage page lists the
ticket that joined it by itself and the gas smell left to the dispatcher, the ticket page says
"in an outage area", and once relit the quality staff's worklist has the callers' follow-ups —
the one without a ticket shown with its outage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from conftest import FakeClock, LiveServer
from web.console import ARTIFACTS, chromium, needs_chromium
from web.console import sign_in_page as sign_in

from hotline.db.tables import CallRow
from hotline.web.context import AppContext

pytestmark = needs_chromium

AREA = "北区"


@pytest.fixture
async def server(live: LiveServer, database_url: str) -> AsyncIterator[LiveServer]:
    if "postgresql" in database_url:
        pytest.skip("a browser journey runs once, on SQLite")
    yield live


async def outage_evening(server: LiveServer, clock: FakeClock) -> tuple[int, str, str]:
    """An accident in the area: a no-gas report and a gas smell filed there, a call from
    another number joined from the pop; its id and the two tickets' numbers."""
    context = server.app_context
    assert isinstance(context, AppContext)
    async with context.sessions() as session, session.begin():
        session.add(
            CallRow(
                server="pbx",
                linkedid="1764500000.1",
                caller="+8613900139000",
                direction="inbound",
                started_at=clock.now,
                updated_at=clock.now,
            )
        )
    async with httpx.AsyncClient(base_url=server.base_url, headers=server.auth("sup")) as api:
        created = await api.post(
            "/api/incidents",
            json={
                "kind": "unplanned",
                "cause": "accident",
                "title": "北区燃气管道被挖断",
                "areas": [AREA],
            },
        )
        assert created.status_code == 201, created.text
        incident = int(created.json()["id"])
        assert (await api.post(f"/api/incidents/{incident}/actions/start")).status_code == 200
        no_gas = await api.post(
            "/api/tickets",
            json={
                "type": "outage",
                "subtype": "unplanned",
                "area": AREA,
                "description": "家里没气了",
                "caller_phone": "13800138000",
            },
        )
        smell = await api.post(
            "/api/tickets",
            json={
                "type": "repair",
                "subtype": "gas_smell",
                "area": AREA,
                "address": "北区 光明路 20号",
                "description": "楼道有煤气味",
            },
        )
        assert no_gas.status_code == smell.status_code == 201
        linked = await api.post(
            f"/api/incidents/{incident}/links", json={"call_linkedid": "1764500000.1"}
        )
        assert linked.status_code == 201, linked.text
    return incident, str(no_gas.json()["number"]), str(smell.json()["number"])


async def relit(server: LiveServer, clock: FakeClock, incident: int) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, headers=server.auth("sup")) as api:
        clock.advance(hours=5)
        assert (await api.post(f"/api/incidents/{incident}/actions/restore")).status_code == 200
        clock.advance(hours=1)
        done = await api.post(f"/api/incidents/{incident}/actions/relight")
        assert done.status_code == 200, done.text
    clock.advance(hours=3)


async def test_an_outage_evening_on_the_console(server: LiveServer, clock: FakeClock) -> None:
    incident, no_gas, smell = await outage_evening(server, clock)
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in(page, server, "disp", f"/incidents/{incident}")
        joined = await page.inner_text("body")
        assert no_gas in joined
        in_area = page.locator("ul.in-outage-area li")
        assert await in_area.count() == 1
        assert smell in await in_area.inner_text()
        await page.screenshot(path=str(ARTIFACTS / "incident-in-area-zh.png"), full_page=True)
        await page.goto(f"{server.base_url}/tickets/{smell}")
        marked = await page.inner_text("p.in-outage-area")
        assert "位于停气区域" in marked and "北区燃气管道被挖断" in marked
        await page.screenshot(path=str(ARTIFACTS / "ticket-in-outage-area-zh.png"))
        await page.goto(f"{server.base_url}/tickets/{no_gas}")
        assert "已并入停气事件" in await page.inner_text("p.outage.joined")
        await relit(server, clock, incident)
        qa = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in(qa, server, "qa", "/callbacks?tab=due")
        rows = qa.locator("table.callbacks tbody tr")
        assert await rows.count() == 2
        caller = qa.locator("tr", has_text="+8613900139000")
        assert "北区燃气管道被挖断" in await caller.locator("a.outage-caller").inner_text()
        assert await qa.locator("tr", has_text=no_gas).count() == 1
        await qa.screenshot(path=str(ARTIFACTS / "callbacks-outage-callers-zh.png"), full_page=True)
        await page.goto(f"{server.base_url}/incidents/{incident}")
        assert "回访" in await page.inner_text("p.follow-ups")
        assert ": 2 · " in await page.inner_text("p.follow-ups")


async def test_a_planned_outage_ticket_counts_down_to_its_start(
    server: LiveServer, clock: FakeClock
) -> None:
    """Filed ten days before the planned work, the outage ticket joins it and its clocks say
    when they start — not a countdown already running, not "paused"."""
    start = clock.now + timedelta(days=10)
    async with httpx.AsyncClient(base_url=server.base_url, headers=server.auth("sup")) as api:
        created = await api.post(
            "/api/incidents",
            json={
                "kind": "planned",
                "cause": "maintenance",
                "title": "北区调压站检修",
                "areas": [AREA],
                "planned_start": start.isoformat(),
                "planned_end": (start + timedelta(hours=8)).isoformat(),
            },
        )
        assert created.status_code == 201, created.text
        ticket = await api.post(
            "/api/tickets",
            json={"type": "outage", "subtype": "planned", "area": AREA, "description": "计划停气"},
        )
        number = str(ticket.json()["number"])
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 700})
        await sign_in(page, server, "disp", f"/tickets/{number}")
        waiting = page.locator(".clock.scheduled .left")
        assert await waiting.count() == 2
        for index in range(2):
            text = await waiting.nth(index).inner_text()
            assert text.startswith("距开始 9d") or text.startswith("距开始 10d"), text
        await page.screenshot(path=str(ARTIFACTS / "ticket-scheduled-clocks-zh.png"))
