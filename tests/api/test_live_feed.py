"""GET /api/events over real HTTP: who sees which live event."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
from conftest import LiveServer

from hotline.events import EventBus


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
