"""The phone system's use cases on the fake Asterisk over real TCP: an agent stepping away
pauses them in every queue; a call placed from the console is recorded before it is placed,
and its failure too; a call for a complaint is only for who may see the complainant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from conftest import actor_named, endpoint_of
from sqlmodel import col, select

from hotline.application import calls, tickets
from hotline.application.unit import CoreServices
from hotline.db.tables import AuditEntry
from hotline.services.errors import Forbidden, Refused, Unavailable
from hotline.services.tickets import NewTicket
from hotline.telephony.runtime import DEMO_MEMBERS
from hotline.telephony.service import Telephony
from hotline.telephony.simulator import FakeAsterisk
from tickets.phones import mask_phone
from tickets.types import TicketType


@pytest.fixture
async def pbx() -> AsyncIterator[FakeAsterisk]:
    fake = FakeAsterisk(members=DEMO_MEMBERS)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def telephony(core: CoreServices, pbx: FakeAsterisk) -> AsyncIterator[Telephony]:
    phones = Telephony(
        endpoints=[endpoint_of(pbx)],
        sessions=core.sessions,
        bus=core.bus,
        clock=core.clock,
        local_area_code=core.settings.local_area_code,
    )
    await phones.start()
    await phones.line().client.wait_connected(5)
    yield phones
    await phones.stop()


def paused(pbx: FakeAsterisk, interface: str) -> set[bool]:
    return {m.paused for (_, i), m in pbx.state.members.items() if i == interface}


async def audit_of(core: CoreServices, key: str) -> list[AuditEntry]:
    async with core.sessions() as session:
        rows = await session.exec(
            select(AuditEntry).where(col(AuditEntry.entity_key) == key).order_by(col(AuditEntry.id))
        )
        return list(rows.all())


async def test_away_pauses_the_agent_in_every_queue_and_says_so(
    core: CoreServices, telephony: Telephony, pbx: FakeAsterisk
) -> None:
    agent = await actor_named(core, "agent")
    async with core.bus.subscribe("agent") as feed:
        await calls.set_agent_status(core, telephony, agent, "away", "午休")
        assert paused(pbx, "PJSIP/8001") == {True}
        assert paused(pbx, "PJSIP/8002") == {False}
        await calls.set_agent_status(core, telephony, agent, "ready")
        assert paused(pbx, "PJSIP/8001") == {False}
        said = [(event.topic, event.data["state"]) for event in feed.drain()]
    assert said == [("agent.status", "away"), ("agent.status", "ready")]


async def test_a_status_asterisk_refuses_is_not_announced(
    core: CoreServices, telephony: Telephony
) -> None:
    stranger = replace(await actor_named(core, "agent"), interface="PJSIP/8009")
    async with core.bus.subscribe("agent") as feed:
        with pytest.raises(Refused) as refused:
            await calls.set_agent_status(core, telephony, stranger, "away")
        assert feed.drain() == []
    assert refused.value.code == "queue_pause_refused"
    with pytest.raises(Forbidden):
        await calls.set_agent_status(core, telephony, await actor_named(core, "sup"), "away")


async def test_a_call_for_a_ticket_is_recorded_and_announced(
    core: CoreServices, telephony: Telephony
) -> None:
    agent = await actor_named(core, "agent")
    view = await tickets.open_ticket(
        core, agent, NewTicket(type=TicketType.CONSULTATION, description="回访")
    )
    number = view.ticket.number
    async with core.bus.subscribe("call.originated") as feed:
        placed = await calls.click_to_call(
            core, telephony, agent, calls.CallRequest("138 0013 8001", number)
        )
        [event] = feed.drain()
    assert placed.number == "+8613800138001"
    assert event.data == {"originate_action_id": placed.originate_action_id, "user": "agent"}
    [_created, call] = await audit_of(core, number)
    assert (call.entity, call.action, call.actor) == ("ticket", "call", "agent")
    assert call.after == {
        "number": mask_phone("+8613800138001"),
        "originate": placed.originate_action_id,
    }


async def test_a_call_asterisk_refuses_stays_on_record_as_failed(
    core: CoreServices, telephony: Telephony
) -> None:
    # A phone Asterisk cannot ring: it refuses the Originate at once.
    agent = replace(await actor_named(core, "agent"), interface="8001")
    async with core.bus.subscribe("call") as feed:
        with pytest.raises(Refused) as refused:
            await calls.click_to_call(core, telephony, agent, calls.CallRequest("13800138001"))
        assert feed.drain() == []
    assert refused.value.code == "originate_refused"
    async with core.sessions() as session:
        rows = (
            await session.exec(select(AuditEntry).where(col(AuditEntry.entity) == "call"))
        ).all()
    # The request went on record before the call was placed; its failure after.
    assert [row.action for row in rows] == ["call", "call_failed"]
    assert len({row.entity_key for row in rows}) == 1
    assert rows[1].note == "Asterisk refused: Invalid channel"


async def test_a_complainant_is_called_only_by_who_may_see_them(
    core: CoreServices, telephony: Telephony, pbx: FakeAsterisk
) -> None:
    taker, other = await actor_named(core, "agent"), await actor_named(core, "agent2")
    complaint = await tickets.open_ticket(
        core,
        taker,
        NewTicket(
            type=TicketType.COMPLAINT, description="维修人员迟到", caller_phone="13800138001"
        ),
    )
    number = complaint.ticket.number
    before = pbx.sent_events
    with pytest.raises(Forbidden):
        await calls.click_to_call(core, telephony, other, calls.CallRequest("13800138001", number))
    await pbx.calls_done()
    assert pbx.sent_events == before, "the call was placed"
    assert [row.action for row in await audit_of(core, number)] == ["create"]
    await calls.click_to_call(core, telephony, taker, calls.CallRequest("13800138001", number))
    assert [row.action for row in await audit_of(core, number)] == ["create", "call"]


async def test_no_call_without_a_phone_system(core: CoreServices) -> None:
    agent = await actor_named(core, "agent")
    with pytest.raises(Unavailable) as off:
        await calls.click_to_call(core, None, agent, calls.CallRequest("13800138001"))
    assert off.value.code == "telephony_off"
