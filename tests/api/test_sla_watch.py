"""The SLA watcher: warnings and breaches recorded exactly once, published on the bus, and
visible through the API within 5 s of the moment they happen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager
from conftest import Api, FakeClock, add_staff, app_settings

from hotline.web.app import create_app

GAS_SMELL = {
    "type": "repair",
    "subtype": "gas_smell",
    "address": "北区 光明路 20号",
    "description": "楼道燃气味",
}


async def test_sweep_records_warning_then_breach_once_each(api: Api, clock: FakeClock) -> None:
    number = (await api.post("agent", "/api/tickets", GAS_SMELL)).json()["number"]
    scheduler = api.app_context.scheduler  # type: ignore[attr-defined]
    async with api.app_context.bus.subscribe("sla") as events:  # type: ignore[attr-defined]
        assert await scheduler.sweep_once() == 0
        clock.advance(minutes=24)  # 80 % of the 30-minute handle clock
        assert await scheduler.sweep_once() == 1
        assert await scheduler.sweep_once() == 0
        warning = await events.next(timeout=1)
        clock.advance(minutes=6)
        assert await scheduler.sweep_once() == 1
        assert await scheduler.sweep_once() == 0
        breach = await events.next(timeout=1)
    assert (warning.topic, warning.data["ticket"], warning.data["clock"]) == (
        "sla.warning",
        number,
        "handle",
    )
    assert breach.topic == "sla.breach"
    assert breach.data["notify"] == ["role:supervisor"]
    ticket = (await api.get("sup", f"/api/tickets/{number}")).json()
    handle = next(c for c in ticket["clocks"] if c["name"] == "handle")
    assert handle["state"] == "breached"
    received = datetime.fromisoformat(ticket["received_at"])
    assert datetime.fromisoformat(handle["warned_at"]) == received + timedelta(minutes=24)
    assert datetime.fromisoformat(handle["breached_at"]) == received + timedelta(minutes=30)
    kinds = [(e["clock"], e["kind"]) for e in ticket["escalations"]]
    assert kinds == [("handle", "warning"), ("handle", "breach")]
    listed = (await api.get("sup", "/api/escalations", ticket=number)).json()["items"]
    assert [e["kind"] for e in listed] == ["breach", "warning"]


async def test_a_sweep_after_downtime_warns_before_it_breaches(api: Api, clock: FakeClock) -> None:
    await api.post("agent", "/api/tickets", GAS_SMELL)
    clock.advance(hours=2)
    async with api.app_context.bus.subscribe("sla") as events:  # type: ignore[attr-defined]
        assert await api.app_context.scheduler.sweep_once() == 2  # type: ignore[attr-defined]
        topics = [(await events.next(timeout=1)).topic for _ in range(2)]
    assert topics == ["sla.warning", "sla.breach"]


async def test_paused_clock_neither_warns_nor_breaches(api: Api, clock: FakeClock) -> None:
    body = {
        "type": "repair",
        "subtype": "indoor_equipment",
        "address": "北区 光明路 20号",
        "description": "灶具故障",
    }
    number = (await api.post("agent", "/api/tickets", body)).json()["number"]
    for user, action, payload in (
        ("disp", "assign", {"assignee": "tech"}),
        ("tech", "start", {}),
        ("tech", "pause", {"reason": "等待客户确认上门时间"}),
    ):
        response = await api.post(user, f"/api/tickets/{number}/actions/{action}", payload)
        assert response.status_code == 200, response.text
    clock.advance(hours=20)
    scheduler = api.app_context.scheduler  # type: ignore[attr-defined]
    # The fix clock (24 h) is paused too; nothing is due.
    assert await scheduler.sweep_once() == 0


@pytest.fixture
async def live_api(database_url: str, clock: FakeClock) -> AsyncIterator[Api]:
    """The app with its real scheduler sweeping every half second."""
    tokens = await add_staff(database_url, clock.now)
    app = create_app(
        app_settings(database_url, scheduler="on", sweep_interval_seconds=0.5), clock=clock
    )
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline") as client:
            yield Api(client, tokens, app.state.context)


async def test_breach_is_visible_through_the_api_within_five_seconds(
    live_api: Api, clock: FakeClock
) -> None:
    number = (await live_api.post("agent", "/api/tickets", GAS_SMELL)).json()["number"]
    health = (await live_api.get("sup", "/api/health")).json()
    assert health["scheduler"]["leader"] is True and health["scheduler"]["running"] is True
    clock.advance(minutes=31)
    started = time.monotonic()
    kinds: list[str] = []
    while time.monotonic() - started < 5:
        response = await live_api.get("sup", "/api/escalations", ticket=number)
        kinds = sorted(e["kind"] for e in response.json()["items"])
        if kinds == ["breach", "warning"]:
            break
        await asyncio.sleep(0.1)
    assert kinds == ["breach", "warning"], f"not visible after {time.monotonic() - started:.1f} s"


async def test_only_one_process_leads_the_scheduler(database_url: str, clock: FakeClock) -> None:
    first = create_app(app_settings(database_url, scheduler="auto"), clock=clock)
    second = create_app(app_settings(database_url, scheduler="auto"), clock=clock)
    async with LifespanManager(first), LifespanManager(second):
        leaders = [app.state.context.scheduler.leader for app in (first, second)]
        assert sorted(leaders) == [False, True]
