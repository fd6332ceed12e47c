"""The use cases called directly, as the IVR, the scheduler and the demo call them: what a use
case announces reaches the bus only once its transaction has committed, and all of it does; a
use case that fails writes nothing and announces nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import FakeClock, actor_named
from sqlmodel import col, func, select

from hotline.application import tickets as ticket_cases
from hotline.application.sla import sweep_due
from hotline.application.unit import CoreServices, unit_of_work
from hotline.db.tables import Escalation, Ticket
from hotline.services.tickets import ActionRequest, NewTicket
from tickets.types import TicketType
from tickets.workflow import Action


async def test_announcements_wait_for_the_commit(core: CoreServices) -> None:
    async with core.bus.subscribe("test") as feed:
        async with unit_of_work(core) as work:
            work.announce("test.first", {"n": 1})
            work.announce("test.second", {"n": 2})
            assert feed.drain() == [], "announced before the commit"
        assert [event.topic for event in feed.drain()] == ["test.first", "test.second"]


async def test_a_failed_use_case_writes_and_announces_nothing(core: CoreServices) -> None:
    agent = await actor_named(core, "agent")
    async with core.bus.subscribe() as feed:
        with pytest.raises(RuntimeError):
            async with unit_of_work(core) as work:
                work.announce("ticket.created", {"number": "none"})
                work.session.add(
                    Ticket(
                        number="ZX-1",
                        type="consultation",
                        status="new",
                        priority="normal",
                        department_id=1,
                        description="never",
                        received_at=work.now,
                        created_at=work.now,
                        updated_at=work.now,
                        created_by=agent.username,
                    )
                )
                await work.session.flush()
                raise RuntimeError("the rule said no after the write")
        assert feed.drain() == []
    async with core.sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Ticket))).one() == 0


async def test_a_breach_an_action_records_is_announced_once(
    core: CoreServices, clock: FakeClock
) -> None:
    agent, dispatcher, technician = [
        await actor_named(core, name) for name in ("agent", "disp", "tech")
    ]
    view = await ticket_cases.open_ticket(
        core,
        agent,
        NewTicket(
            type=TicketType.REPAIR,
            subtype="indoor_equipment",
            address="北区 光明路 20号",
            description="不点火",
        ),
    )
    number = view.ticket.number
    await ticket_cases.act_on_ticket(
        core, dispatcher, number, Action.ASSIGN, ActionRequest(assignee="tech")
    )
    clock.advance(hours=7)  # the 6 h handle clock ran out
    async with core.bus.subscribe("sla", "ticket") as feed:
        await ticket_cases.act_on_ticket(core, technician, number, Action.START, ActionRequest())
        await ticket_cases.act_on_ticket(core, technician, number, Action.ARRIVE, ActionRequest())
        heard = [(event.topic, event.data.get("clock")) for event in feed.drain()]
        # The sweeper, coming after, finds it recorded and says nothing more.
        assert await sweep_due(core) == 0
        assert feed.drain() == []
    # Starting is no arrival: the breach is recorded when the crew arrives, after the clock.
    assert heard == [("ticket.updated", None), ("sla.breach", "handle"), ("ticket.updated", None)]
    async with core.sessions() as session:
        breaches = await session.exec(
            select(func.count()).select_from(Escalation).where(col(Escalation.kind) == "breach")
        )
        assert breaches.one() == 1


async def test_the_sweep_announces_each_warning_once(core: CoreServices, clock: FakeClock) -> None:
    agent = await actor_named(core, "agent")
    await ticket_cases.open_ticket(
        core, agent, NewTicket(type=TicketType.CONSULTATION, description="开户")
    )
    clock.now += timedelta(hours=3, minutes=20)  # past 80 % of the 4 h reply clock
    async with core.bus.subscribe("sla") as feed:
        assert await sweep_due(core) == 1
        assert await sweep_due(core) == 0
        [warning] = feed.drain()
    assert (warning.topic, warning.data["clock"]) == ("sla.warning", "reply")
    assert warning.data["recorded_at"].endswith("+08:00")  # local time, as the API says it
