"""What the voice menu and the screen pop learn about a caller and where gas is off, read as
the menu reads them (hotline/services/ivr_lookups.py, hotline/services/gas_off.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import actor_named, add_customer
from sqlmodel import col, select

from hotline.application import incidents as incident_cases
from hotline.application import tickets as ticket_cases
from hotline.application.unit import CoreServices
from hotline.db.tables import Customer, CustomerAddress, SlaClockRow
from hotline.events import Event
from hotline.services.access import FACTS_KEY
from hotline.services.gas_off import changes_gas_off, forget_on_change, gas_off_now, read_gas_off
from hotline.services.ivr_lookups import caller_on_file
from hotline.services.tickets import NewTicket
from tickets.incidents import Cause, Kind, Plan
from tickets.sla import ClockName
from tickets.types import TicketType

SHARED = "+8657188000001"


def maintenance_in_xihu(core: CoreServices, accounts: tuple[str, ...] = ()) -> Plan:
    """Planned maintenance in 西湖区 three days from now, for six hours."""
    start = core.clock() + timedelta(days=3)
    return Plan(
        Kind.PLANNED,
        Cause.MAINTENANCE,
        ("西湖区",),
        accounts,
        reported_at=core.clock(),
        planned_start=start,
        planned_end=start + timedelta(hours=6),
    )


async def test_the_most_recently_updated_file_on_a_shared_number_is_the_caller_with_its_areas(
    core: CoreServices,
) -> None:
    older = await add_customer(
        core, account="A1", name="张三", phone=SHARED, address="文三路 1 号", area="西湖区"
    )
    newer = await add_customer(
        core,
        account="A2",
        name="李四",
        phone=SHARED,
        address="解放路 2 号",
        area="上城区",
        special_care="disabled",
    )
    async with core.sessions() as session, session.begin():
        session.add(CustomerAddress(customer_id=newer, address="延安路 3 号", area="拱墅区"))
        (await session.get(Customer, older)).updated_at = core.clock() - timedelta(days=1)  # type: ignore[union-attr]
        (await session.get(Customer, newer)).updated_at = core.clock()  # type: ignore[union-attr]
    async with core.sessions() as session:
        found = await caller_on_file(session, SHARED)
    assert found is not None
    assert (found.customer_id, found.account_number, found.special_care) == (newer, "A2", True)
    assert found.areas == {"上城区", "拱墅区"}


async def test_a_caller_without_an_address_or_not_on_file(core: CoreServices) -> None:
    customer = await add_customer(
        core, account="A3", name="王五", phone=SHARED, address="-", area="西湖区"
    )
    async with core.sessions() as session, session.begin():
        address = (
            await session.exec(
                select(CustomerAddress).where(col(CustomerAddress.customer_id) == customer)
            )
        ).one()
        await session.delete(address)
    async with core.sessions() as session:
        found = await caller_on_file(session, SHARED)
        assert await caller_on_file(session, "+8613900000000") is None
        assert await caller_on_file(session, None) is None
    assert found is not None and found.areas == frozenset() and not found.special_care


async def test_where_gas_is_off_holds_incidents_and_open_outage_tickets_with_their_restoration(
    core: CoreServices,
) -> None:
    dispatcher = await actor_named(core, "disp")
    incident = await incident_cases.announce(
        core,
        dispatcher,
        maintenance_in_xihu(core, accounts=("9100009",)),
        title="文三路检修",
    )
    outage = await ticket_cases.open_ticket(
        core,
        dispatcher,
        NewTicket(type=TicketType.OUTAGE, subtype="unplanned", description="抢修", area="上城区"),
    )
    async with core.sessions() as session:
        off = await read_gas_off(session)
        restore_due = (
            await session.exec(
                select(SlaClockRow.due_at).where(
                    col(SlaClockRow.ticket_id) == outage.ticket.id,
                    col(SlaClockRow.name) == ClockName.RESTORE.value,
                )
            )
        ).one()
    assert [i.id for i in off.incidents_for({"西湖区"}, None)] == [incident.id]
    assert [i.id for i in off.incidents_for(set(), "9100009")] == [incident.id]
    assert off.incidents_for({"上城区"}, "9100001") == []
    [in_area] = off.tickets_in({"上城区", "拱墅区"}, 5)
    assert (in_area.ticket.id, in_area.restore_at) == (outage.ticket.id, restore_due)
    assert off.tickets_in({"西湖区"}, 5) == []


async def test_an_outage_entered_reaches_callers_once_the_shared_view_is_read_again(
    core: CoreServices,
) -> None:
    kept = gas_off_now(core.sessions, max_age=3600)
    fresh = gas_off_now(core.sessions, max_age=0)
    assert (await kept.get()).outage_tickets == () == (await fresh.get()).outage_tickets
    await ticket_cases.open_ticket(
        core,
        await actor_named(core, "disp"),
        NewTicket(type=TicketType.OUTAGE, subtype="unplanned", description="抢修", area="上城区"),
    )
    assert (await kept.get()).outage_tickets == ()
    assert len((await fresh.get()).outage_tickets) == 1


async def test_the_shared_view_forgets_at_once_when_an_outage_changes_and_only_then(
    core: CoreServices,
) -> None:
    """The server's view is kept for seconds, but an outage entered, moved or closed on any
    worker reaches the next caller: its event makes the view read again."""
    watched = gas_off_now(core.sessions, max_age=3600)
    forget_on_change(watched, core.bus)
    dispatcher = await actor_named(core, "disp")
    before = await watched.get()
    assert before.outage_tickets == ()
    await ticket_cases.open_ticket(
        core,
        dispatcher,
        NewTicket(
            type=TicketType.REPAIR,
            subtype="indoor_equipment",
            description="灶具打不着火",
            address="解放路 1 号",
            area="上城区",
        ),
    )
    assert await watched.get() is before
    outage = await ticket_cases.open_ticket(
        core,
        dispatcher,
        NewTicket(type=TicketType.OUTAGE, subtype="unplanned", description="抢修", area="上城区"),
    )
    off = await watched.get()
    assert [o.ticket.id for o in off.outage_tickets] == [outage.ticket.id]
    await incident_cases.announce(
        core,
        dispatcher,
        maintenance_in_xihu(core),
        title="文三路检修",
    )
    assert [i.title for i in (await watched.get()).incidents] == ["文三路检修"]


def test_which_events_change_where_gas_is_off() -> None:
    def event(topic: str, kind: str | None = None) -> Event:
        data = {FACTS_KEY: {"type": kind}} if kind else {"id": 1}
        return Event(topic, datetime.now(UTC), data)

    assert changes_gas_off(event("incident.started"))
    assert changes_gas_off(event("ticket.updated", "outage"))
    assert not changes_gas_off(event("ticket.updated", "repair"))
    assert not changes_gas_off(event("incident.linked"))
    assert not changes_gas_off(event("call.answered"))
