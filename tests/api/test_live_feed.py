"""GET /api/events over real HTTP: who sees which live event."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import httpx
from conftest import FakeClock, LiveServer, add_staff, app_settings, serve_live

from hotline.events import EventBus
from hotline.web.app import create_app


async def sse_events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    event: dict[str, Any] = {}
    async for line in response.aiter_lines():
        if not line:
            if "event" in event:
                yield event
            event = {}
        elif line.startswith("event: "):
            event["event"] = line[len("event: ") :]
        elif line.startswith("data: "):
            event["data"] = json.loads(line[len("data: ") :])
        elif line.startswith("id: "):
            event["id"] = int(line[len("id: ") :])


async def first_event(
    live: LiveServer, user: str, topic: str, trigger: Any, timeout: float = 5.0
) -> dict[str, Any] | None:
    """Open the feed as `user`, run `trigger`, and return the first `topic` event seen (or
    None if none arrives in time)."""
    async with (
        httpx.AsyncClient(base_url=live.base_url, timeout=timeout + 5) as client,
        client.stream("GET", "/api/events", headers=live.auth(user)) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        await trigger()

        async def read() -> dict[str, Any] | None:
            async for event in sse_events(response):
                if event["event"] == topic:
                    return event
            return None

        try:
            return await asyncio.wait_for(read(), timeout)
        except TimeoutError:
            return None


def bus(live: LiveServer) -> EventBus:
    return live.app_context.bus  # type: ignore[attr-defined, no-any-return]


async def test_a_new_ticket_reaches_every_feed(live: LiveServer) -> None:
    async def create() -> None:
        async with httpx.AsyncClient(base_url=live.base_url) as client:
            response = await client.post(
                "/api/tickets",
                json={
                    "type": "consultation",
                    "description": "开户咨询",
                    "caller_phone": "13800138001",
                    "address": "幸福路1号",
                },
                headers=live.auth("agent"),
            )
            assert response.status_code == 201

    event = await first_event(live, "disp", "ticket.created", create)
    assert event is not None
    summary = event["data"]["ticket"]
    assert (summary["type"], summary["number"]) == ("consultation", event["data"]["number"])
    # A feed is read by many: what the caller said and who they are stay on the ticket.
    assert not {"description", "caller_phone", "customer"} & summary.keys()
    assert "address" not in summary  # only a repair's, for the crew


async def test_a_screen_pop_goes_only_to_its_agent(live: LiveServer) -> None:
    async def pop() -> None:
        await asyncio.sleep(0.1)
        bus(live).publish("screenpop.agent", datetime.now(UTC), {"user": "agent", "call": {}})

    mine = await first_event(live, "agent", "screenpop", pop)
    assert mine is not None and mine["data"]["user"] == "agent"
    theirs = await first_event(live, "agent2", "screenpop", pop, timeout=1.0)
    assert theirs is None


async def test_call_progress_is_for_supervisors(live: LiveServer) -> None:
    async def call() -> None:
        await asyncio.sleep(0.1)
        bus(live).publish("call.started", datetime.now(UTC), {"call": {"linkedid": "1.0"}})

    assert await first_event(live, "sup", "call.started", call) is not None
    assert await first_event(live, "agent", "call.started", call, timeout=1.0) is None


async def test_the_feed_needs_a_token(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        response = await client.get("/api/events")
    assert response.status_code == 401


async def test_a_warning_reaches_the_agent_it_names(live: LiveServer) -> None:
    async def warn() -> None:
        await asyncio.sleep(0.1)
        bus(live).publish(
            "sla.warning",
            datetime.now(UTC),
            {"ticket": "ZX-20261120-0001", "clock": "reply", "notify": ["user:agent"]},
        )

    mine = await first_event(live, "agent", "sla.warning", warn)
    assert mine is not None and mine["data"]["ticket"] == "ZX-20261120-0001"
    assert await first_event(live, "agent2", "sla.warning", warn, timeout=1.0) is None


async def test_one_user_holds_only_so_many_feeds_at_once(
    database_url: str, clock: FakeClock
) -> None:
    """200 feeds on one token were accepted; each holds a connection and a subscription."""
    tokens = await add_staff(database_url, clock.now)
    app = create_app(app_settings(database_url, feeds_per_user=2), clock=clock)
    async with (
        serve_live(app, tokens) as live,
        httpx.AsyncClient(base_url=live.base_url, timeout=10) as client,
        AsyncExitStack() as feeds,
    ):
        for _ in range(2):
            opened = await feeds.enter_async_context(
                client.stream("GET", "/api/events", headers=live.auth("agent"))
            )
            assert opened.status_code == 200
        refused = await client.get(
            "/api/events", headers={**live.auth("agent"), "Accept-Language": "zh-CN"}
        )
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_feeds"
        assert "实时推送" in refused.json()["error"]["message"]
        # Another user is not held back by the agent's feeds.
        async with client.stream("GET", "/api/events", headers=live.auth("agent2")) as other:
            assert other.status_code == 200
        await feeds.aclose()
        # A closed feed gives its place back (once the server has seen the client go).
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            async with client.stream("GET", "/api/events", headers=live.auth("agent")) as again:
                if again.status_code == 200:
                    break
            assert asyncio.get_running_loop().time() < deadline, "the feeds' places never came back"
            await asyncio.sleep(0.1)
