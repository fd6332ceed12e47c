"""An agent's ready/away status reaches Asterisk as QueuePause on their phone's interface."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import (
    FakeClock,
    LiveServer,
    serve_with_phones,
)

from hotline.telephony.runtime import DEMO_MEMBERS
from hotline.telephony.simulator import FakeAsterisk


@pytest.fixture
async def pbx() -> AsyncIterator[FakeAsterisk]:
    fake = FakeAsterisk(members=DEMO_MEMBERS)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def server(
    database_url: str, clock: FakeClock, pbx: FakeAsterisk
) -> AsyncIterator[LiveServer]:
    async with serve_with_phones(database_url, clock, pbx) as live:
        yield live


def paused(pbx: FakeAsterisk, interface: str) -> set[bool]:
    return {m.paused for (_, i), m in pbx.state.members.items() if i == interface}


async def test_away_pauses_the_agent_in_every_queue_and_ready_undoes_it(
    server: LiveServer, pbx: FakeAsterisk
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        away = await client.post(
            "/api/agent/status",
            json={"state": "away", "reason": "午休"},
            headers=server.auth("agent"),
        )
        assert away.status_code == 200, away.text
        assert paused(pbx, "PJSIP/8001") == {True}
        assert paused(pbx, "PJSIP/8002") == {False}
        ready = await client.post(
            "/api/agent/status", json={"state": "ready"}, headers=server.auth("agent")
        )
        assert ready.status_code == 200
        assert paused(pbx, "PJSIP/8001") == {False}


async def test_status_is_for_agents_and_states_are_named(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        other = await client.post(
            "/api/agent/status", json={"state": "away"}, headers=server.auth("sup")
        )
        assert other.status_code == 403
        unknown = await client.post(
            "/api/agent/status", json={"state": "asleep"}, headers=server.auth("agent")
        )
        assert unknown.status_code == 422 and "state" in unknown.json()["error"]["fields"]
