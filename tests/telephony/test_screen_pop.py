"""A queue call connecting to an agent's phone pops the caller's file in that agent's browser
(real SSE from a real server, AMI from the fake Asterisk); click-to-call places an outbound
call that lands in the call log with its ticket."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from conftest import (
    FakeClock,
    LiveServer,
    add_customer,
    serve_with_phones,
)
from sqlmodel import select

from hotline.db.tables import CallRow
from hotline.services import users as user_service
from hotline.telephony.simulator import FakeAsterisk
from hotline.web.context import AppContext

T0 = datetime(2026, 11, 19, 2, 0, tzinfo=UTC)


@pytest.fixture
async def live_phone(
    database_url: str, clock: FakeClock, fake_asterisk: FakeAsterisk
) -> AsyncIterator[LiveServer]:
    async with serve_with_phones(database_url, clock, fake_asterisk) as server:
        await add_customer(
            server.app_context,
            account="GS11",
            name="赵磊",
            phone="+8613800138001",
            address="北区 光明路 20号",
            area="北区",
            special_care="elderly",
        )
        yield server


class Feed:
    """An open /api/events stream, read in the background."""

    def __init__(self, response: httpx.Response) -> None:
        self.events: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self._task = asyncio.create_task(self._read(response))

    async def _read(self, response: httpx.Response) -> None:
        event: dict[str, Any] = {}
        async for line in response.aiter_lines():
            if not line:
                if "event" in event:
                    await self.events.put((time.monotonic(), event))
                event = {}
            elif line.startswith("event: "):
                event["event"] = line[7:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])

    async def next(self, topic: str, timeout: float = 5.0) -> tuple[float, dict[str, Any]]:
        async def find() -> tuple[float, dict[str, Any]]:
            while True:
                arrived, event = await self.events.get()
                if event["event"] == topic:
                    return arrived, event["data"]

        return await asyncio.wait_for(find(), timeout)

    def close(self) -> None:
        self._task.cancel()


async def feed(client: httpx.AsyncClient, server: LiveServer, user: str) -> Feed:
    request = client.build_request("GET", "/api/events", headers=server.auth(user))
    response = await client.send(request, stream=True)
    assert response.status_code == 200
    return Feed(response)


async def test_the_answering_agent_gets_the_callers_file_within_a_second(
    live_phone: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    async with httpx.AsyncClient(base_url=live_phone.base_url, timeout=10) as client:
        opened = await client.post(
            "/api/tickets",
            json={
                "type": "repair",
                "subtype": "indoor_equipment",
                "description": "灶具打不着火",
                "caller_phone": "13800138001",
                "address": "北区 光明路 20号",
            },
            headers=live_phone.auth("agent2"),
        )
        assert opened.status_code == 201
        outages = {}
        for area in ("北区", "南区"):
            outage = await client.post(
                "/api/tickets",
                json={
                    "type": "outage",
                    "subtype": "unplanned",
                    "area": area,
                    "description": f"{area}中压管线抢修，预计18:00恢复供气",
                },
                headers=live_phone.auth("sup"),
            )
            assert outage.status_code == 201, outage.text
            outages[area] = outage.json()["number"]
        incident = await client.post(
            "/api/incidents",
            json={
                "kind": "unplanned",
                "cause": "accident",
                "title": "北区外力破坏",
                "areas": ["北区"],
            },
            headers=live_phone.auth("disp"),
        )
        assert incident.status_code == 201, incident.text
        mine, theirs = (
            await feed(client, live_phone, "agent"),
            await feed(client, live_phone, "agent2"),
        )
        try:
            await asyncio.sleep(0.2)
            call = fake_asterisk.place_call(
                caller="13800138001",
                ticket_type="repair",
                agent_interface="PJSIP/8001",
                agent_name="Agent1",
            )
            arrived, pop = await mine.next("screenpop")
            latency = arrived - fake_asterisk.emitted_at["AgentConnect"]
            assert latency < 1.0
            assert pop["user"] == "agent"
            assert pop["unknown_caller"] is False
            assert pop["customer"]["name"] == "赵磊"
            assert pop["customer"]["special_care"] == "elderly"
            assert pop["call"]["caller"] == "+8613800138001"
            assert pop["call"]["agent"]["interface"] == "PJSIP/8001"
            assert pop["suggested"] == {"type": "repair", "subtype": None, "emergency": False}
            assert [t["number"] for t in pop["open_tickets"]] == [opened.json()["number"]]
            # Outages still on in the caller's area, not elsewhere.
            assert [(o["number"], o["area"]) for o in pop["outages"]] == [(outages["北区"], "北区")]
            [shown] = pop["incidents"]
            assert shown["id"] == incident.json()["id"] and shown["agent_script"]
            with pytest.raises(TimeoutError):
                await theirs.next("screenpop", timeout=0.5)
            linkedid = pop["call"]["linkedid"]
            # One click on the pop joins the call to the outage.
            joined = await client.post(
                f"/api/incidents/{shown['id']}/links",
                json={"call_linkedid": linkedid},
                headers=live_phone.auth("agent"),
            )
            assert joined.status_code == 201
            taken = await client.post(
                "/api/tickets",
                json={
                    "type": "repair",
                    "subtype": "indoor_equipment",
                    "description": "再次报修",
                    "address": "北区 光明路 20号",
                    "call_linkedid": linkedid,
                },
                headers=live_phone.auth("agent"),
            )
            assert taken.status_code == 201
            await call
        finally:
            mine.close()
            theirs.close()
        context = live_phone.app_context
        assert isinstance(context, AppContext) and context.telephony is not None
        await asyncio.sleep(0.3)
        await context.telephony.writer.flushed()
        logged = await client.get(f"/api/calls/{linkedid}", headers=live_phone.auth("sup"))
        assert logged.status_code == 200
        body = logged.json()
        assert body["disposition"] == "answered" and body["customer_id"] is not None
        assert [t["number"] for t in body["tickets"]] == [taken.json()["number"]]


async def test_an_unknown_caller_pops_as_unknown(
    live_phone: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    async with httpx.AsyncClient(base_url=live_phone.base_url, timeout=10) as client:
        mine = await feed(client, live_phone, "agent")
        try:
            await asyncio.sleep(0.2)
            fake_asterisk.place_call(
                caller="13700009999",
                scenario="emergency",
                agent_interface="PJSIP/8001",
                agent_name="Agent1",
            )
            _, pop = await mine.next("screenpop")
        finally:
            mine.close()
    assert pop["unknown_caller"] is True and pop["customer"] is None
    assert pop["suggested"] == {"type": "repair", "subtype": "gas_smell", "emergency": True}


async def test_an_agent_on_a_local_member_interface_gets_the_pop_and_the_call(
    live_phone: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    """FreePBX's queue member `Local/8003@from-queue/n`: the user set up with it (not refused)
    is the agent AgentConnect names, for the pop and for the call log alike."""
    context = live_phone.app_context
    assert isinstance(context, AppContext) and context.telephony is not None
    async with context.sessions() as session, session.begin():
        user = await user_service.add_user(
            session,
            username="zhou.agent",
            role="agent",
            password="a long enough password",
            now=T0,
            interface="Local/8003@from-queue/n",
        )
        token = await user_service.issue_token(session, "zhou.agent", T0)
    live_phone.tokens["zhou.agent"] = token
    async with httpx.AsyncClient(base_url=live_phone.base_url, timeout=10) as client:
        theirs = await feed(client, live_phone, "zhou.agent")
        try:
            await asyncio.sleep(0.2)
            call = fake_asterisk.place_call(
                caller="13800138001",
                ticket_type="complaint",
                agent_interface="Local/8003@from-queue/n",
                agent_name="Agent3",
            )
            _, pop = await theirs.next("screenpop")
            await call
        finally:
            theirs.close()
        assert pop["user"] == "zhou.agent"
        assert pop["call"]["agent"]["interface"] == "Local/8003@from-queue/n"
        await asyncio.sleep(0.3)
        await context.telephony.writer.flushed()
    async with context.sessions() as session:
        row = (
            await session.exec(select(CallRow).where(CallRow.linkedid == pop["call"]["linkedid"]))
        ).one()
    assert row.agent_user_id == user.id


@pytest.mark.parametrize(
    ("number", "disposition"), [("13800138001", "answered"), ("13800138002", "no_answer")]
)
async def test_click_to_call_is_logged_on_the_ticket(
    live_phone: LiveServer, number: str, disposition: str
) -> None:
    async with httpx.AsyncClient(base_url=live_phone.base_url, timeout=10) as client:
        ticket = await client.post(
            "/api/tickets",
            json={"type": "consultation", "description": "回访", "caller_phone": number},
            headers=live_phone.auth("agent"),
        )
        placed = await client.post(
            "/api/calls/originate",
            json={"number": number, "ticket": ticket.json()["number"]},
            headers=live_phone.auth("agent"),
        )
        assert placed.status_code == 202, placed.text
        action_id = placed.json()["originate_action_id"]
        deadline = time.monotonic() + 8
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            page = await client.get(
                "/api/calls", params={"direction": "outbound"}, headers=live_phone.auth("sup")
            )
            found = [
                c
                for c in page.json()["items"]
                if c["originate_action_id"] == action_id and c["ended_at"]
            ]
            if found:
                break
            await asyncio.sleep(0.1)
        assert found, "the outbound call never reached the call log"
        assert found[0]["disposition"] == disposition
        assert found[0]["caller"] == found[0]["dialled"] == f"+86{number}"
        # The agent who clicked: their phone rang first, named after its user (no queue member
        # name comes with an Originate).
        assert found[0]["agent"] == {"name": "agent", "interface": "PJSIP/8001"}
        detail = await client.get(
            f"/api/calls/{found[0]['linkedid']}", headers=live_phone.auth("sup")
        )
        assert [t["number"] for t in detail.json()["tickets"]] == [ticket.json()["number"]]
        history = await client.get(
            f"/api/tickets/{ticket.json()['number']}", headers=live_phone.auth("agent")
        )
        assert "call" in [entry["action"] for entry in history.json()["history"]]


async def test_click_to_call_needs_a_phone_and_a_valid_number(live_phone: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_phone.base_url, timeout=10) as client:
        no_phone = await client.post(
            "/api/calls/originate", json={"number": "13800138001"}, headers=live_phone.auth("sup")
        )
        assert no_phone.status_code == 422 and "interface" in no_phone.json()["error"]["fields"]
        bad = await client.post(
            "/api/calls/originate", json={"number": "12"}, headers=live_phone.auth("agent")
        )
        assert bad.status_code == 422 and "number" in bad.json()["error"]["fields"]


async def test_a_feed_opened_mid_call_gets_the_pop_of_the_call_again(
    live_phone: LiveServer, fake_asterisk: FakeAsterisk
) -> None:
    """The agent's browser was away when the call connected (its worker died, the network
    dropped, the page was reloaded): the feed it opens mid-call starts with that call's pop."""
    context = live_phone.app_context
    assert isinstance(context, AppContext) and context.telephony is not None
    async with httpx.AsyncClient(base_url=live_phone.base_url, timeout=10) as client:
        call = fake_asterisk.place_call(
            caller="13800138001",
            ticket_type="repair",
            agent_interface="PJSIP/8001",
            agent_name="Agent1",
            stretch=4.0,
        )
        async with asyncio.timeout(10):
            while "AgentConnect" not in fake_asterisk.emitted_at:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        await context.telephony.writer.flushed()
        mine, theirs = (
            await feed(client, live_phone, "agent"),
            await feed(client, live_phone, "agent2"),
        )
        try:
            _, pop = await mine.next("screenpop", timeout=2)
            assert pop["replayed"] is True and pop["user"] == "agent"
            assert pop["customer"]["name"] == "赵磊"
            with pytest.raises(TimeoutError):
                await theirs.next("screenpop", timeout=0.5)
        finally:
            mine.close()
            theirs.close()
        await call
        await asyncio.sleep(0.2)
        await context.telephony.writer.flushed()
        after = await feed(client, live_phone, "agent")
        try:
            with pytest.raises(TimeoutError):
                await after.next("screenpop", timeout=0.5)
        finally:
            after.close()
