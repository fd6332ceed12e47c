"""The supervisor's wallboard: today's figures from the call log and escalations, the queues
from Asterisk (the fake, over AMI), and the page only for those who run the floor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from conftest import (
    FakeClock,
    LiveServer,
    serve_with_phones,
)

from hotline.db.tables import CallRow
from hotline.telephony.runtime import DEMO_MEMBERS
from hotline.telephony.simulator import FakeAsterisk
from hotline.web.context import AppContext


def call(linkedid: str, disposition: str, wait: float, at: datetime) -> CallRow:
    return CallRow(
        server="pbx",
        linkedid=linkedid,
        direction="inbound",
        caller="+8613800138001",
        disposition=disposition,
        wait_seconds=wait,
        started_at=at,
        updated_at=at,
    )


def answered_by(row: CallRow, interface: str, talk_seconds: float) -> CallRow:
    row.agent_interface = interface
    row.answered_at = row.started_at + timedelta(seconds=row.wait_seconds or 0)
    row.talk_seconds = talk_seconds
    return row


@pytest.fixture
async def demo_asterisk() -> AsyncIterator[FakeAsterisk]:
    """The fake Asterisk with the demo's queue members: PJSIP/8001… are the staff's phones."""
    fake = FakeAsterisk(members=DEMO_MEMBERS)
    await fake.start()
    yield fake
    await fake.close()


async def test_figures_for_today(
    database_url: str, clock: FakeClock, demo_asterisk: FakeAsterisk
) -> None:
    fake_asterisk = demo_asterisk
    async with serve_with_phones(database_url, clock, fake_asterisk) as server:
        context = server.app_context
        assert isinstance(context, AppContext)
        today = clock.now - timedelta(hours=1)
        async with context.sessions() as session, session.begin():
            session.add_all(
                [
                    answered_by(call("1", "answered", 5, today), "PJSIP/8001", 120),
                    answered_by(call("2", "answered", 45, today), "PJSIP/8001", 65),
                    call("3", "abandoned", 30, today),
                    call("4", "answered", 3, clock.now - timedelta(days=2)),  # not today
                ]
            )
        await fake_asterisk.drain()
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            board = await client.get("/api/wallboard", headers=server.auth("sup"))
            agent = await client.get("/api/wallboard", headers=server.auth("agent"))
    assert agent.status_code == 403
    body = board.json()
    assert body["today"]["answered"] == 2 and body["today"]["abandoned"] == 1
    assert body["today"]["service_level"] == round(1 / 3, 3)
    queues = body["queues"]
    assert (queues["waiting"], queues["longest_wait_seconds"]) == (0, 0)
    assert queues["agents"] == {"ready": 4, "busy": 0, "away": 0}
    assert queues["by_queue"]["hotline"]["agents"] == {"ready": 2, "busy": 0, "away": 0}
    assert queues["by_queue"]["emergency"]["expected_wait_seconds"] == 0
    # Each agent with a phone, by name: state in the queues, answered calls and talk today.
    assert body["agents"] == [
        {
            "name": "agent",
            "interface": "PJSIP/8001",
            "state": "ready",
            "calls_today": 2,
            "talk_seconds_today": 185,
        },
        {
            "name": "agent2",
            "interface": "PJSIP/8002",
            "state": "ready",
            "calls_today": 0,
            "talk_seconds_today": 0,
        },
    ]


async def test_no_phone_system_means_unknown_queues(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        board = await client.get("/api/wallboard", headers=live.auth("admin"))
    assert board.status_code == 200 and board.json()["queues"] is None
    # The agents are listed with no state: the phone system cannot be asked.
    assert [a["state"] for a in board.json()["agents"]] == [None, None]
