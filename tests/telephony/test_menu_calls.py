"""The voice menu over real TCP, as Asterisk runs it: the fake Asterisk's FastAGI side connects
to our server and presses keys; our side looks the caller up in the real database, carries the
conversation out, tells the dialplan how to go on and logs the session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from conftest import actor_named, add_customer
from sqlmodel import col, select

from hotline.application import incidents as incident_cases
from hotline.application import tickets as ticket_cases
from hotline.application.unit import CoreServices
from hotline.db.tables import IvrSession, RingbackRow
from hotline.services import incidents as incident_service
from hotline.services import ivr_lookups
from hotline.services.tickets import NewTicket
from hotline.telephony.fastagi import FastAgiServer
from hotline.telephony.menu_calls import CallbackBooking, MenuScripts, ringback_booker
from hotline.telephony.simulator import FakeAsterisk
from hotline.telephony.simulator.agi_client import ScriptedCaller, run_agi_call
from ivr import menu
from tickets.incidents import Cause, Kind, Plan
from tickets.types import TicketType

CUSTOMER_PHONE = "+8613800138001"


@asynccontextmanager
async def menu_server(scripts: MenuScripts) -> AsyncIterator[int]:
    server = FastAgiServer("127.0.0.1", 0, scripts.scripts())
    await server.start()
    try:
        yield server.port
    finally:
        await server.close()


async def call(
    scripts: MenuScripts, caller: ScriptedCaller, script: str = "menu"
) -> ScriptedCaller:
    async with menu_server(scripts) as port:
        await run_agi_call("127.0.0.1", port, script, caller, uniqueid="1800000001.7")
    await scripts.flush()
    return caller


def heard(caller: ScriptedCaller) -> list[str]:
    return [
        line.split()[2] for line in caller.heard if line.startswith(("STREAM FILE", "GET DATA"))
    ]


async def sessions(core: CoreServices) -> list[IvrSession]:
    async with core.sessions() as session:
        return list((await session.exec(select(IvrSession).order_by(col(IvrSession.id)))).all())


async def a_customer(core: CoreServices, special_care: str | None = None) -> int:
    return await add_customer(
        core,
        account="9100001",
        name="王芳",
        phone=CUSTOMER_PHONE,
        address="西湖区文三路 1 号",
        area="西湖区",
        special_care=special_care,
    )


async def test_a_known_caller_choosing_repair_goes_to_the_queue_with_their_file(
    core: CoreServices,
) -> None:
    customer_id = await a_customer(core)
    caller = await call(MenuScripts(core), ScriptedCaller(keys=["2"]))
    assert caller.variables["TICKETTYPE"] == "repair"
    assert caller.variables["HOTLINE_CHOICE"] == "2"
    assert caller.variables["HOTLINE_CUSTOMER_ID"] == str(customer_id)
    assert caller.variables["HOTLINE_IVR"] == "done"
    assert "HOTLINE_PRIORITY" not in caller.variables
    # Our side never hangs up a caller it routes: the dialplan queues them.
    assert caller.handed_back and not any(line == "HANGUP" for line in caller.heard)
    [logged] = await sessions(core)
    assert (logged.outcome, logged.service, logged.customer_id) == ("routed", "repair", customer_id)
    assert logged.caller == CUSTOMER_PHONE and logged.keys == ["2"]
    assert logged.linkedid == "1800000001.7"


async def test_a_special_care_customer_is_queued_first(core: CoreServices) -> None:
    await a_customer(core, special_care="elderly")
    caller = await call(MenuScripts(core), ScriptedCaller(keys=["1"]))
    assert caller.variables["HOTLINE_PRIORITY"] == "10"


async def test_an_outage_in_the_callers_area_is_announced_and_a_call_about_it_counted(
    core: CoreServices,
) -> None:
    await a_customer(core)
    outage = await ticket_cases.open_ticket(
        core,
        await actor_named(core, "disp"),
        NewTicket(
            type=TicketType.OUTAGE,
            subtype="unplanned",
            description="文三路中压管道抢修",
            area="西湖区",
        ),
    )
    caller = await call(MenuScripts(core), ScriptedCaller(keys=["1"]))
    assert heard(caller)[1:3] == [menu.OUTAGE_IN_AREA, menu.OUTAGE_UNPLANNED]
    assert menu.OUTAGE_RESTORE_AT in heard(caller)
    assert caller.variables["HOTLINE_IVR"] == "goodbye"
    assert caller.variables["TICKETTYPE"] == "outage-noted"
    [logged] = await sessions(core)
    assert logged.announced_outage_id == outage.ticket.id and logged.outage_call
    assert (logged.outcome, logged.finished) == ("finished", "outage-noted")
    assert outage.ticket.id is not None
    async with core.sessions() as session:
        counted = await ivr_lookups.outage_callers(session, outage.ticket.id)
    assert counted == ivr_lookups.OutageCallers(heard_notice=1, called_about_it=1)


async def test_a_planned_incident_announces_itself_to_callers_from_its_area(
    core: CoreServices,
) -> None:
    """Entered 10 days ahead: callers from the area hear when the gas goes off, why, when it
    comes back and an apology; one who called about it is let go and joins the incident."""
    await a_customer(core)
    start = core.clock() + timedelta(days=10)
    incident = await incident_cases.announce(
        core,
        await actor_named(core, "disp"),
        Plan(
            Kind.PLANNED,
            Cause.PIPELINE_INSPECTION,
            ("西湖区",),
            (),
            reported_at=core.clock(),
            planned_start=start,
            planned_end=start + timedelta(hours=8),
        ),
        title="文三路管网检测",
    )
    caller = await call(MenuScripts(core), ScriptedCaller(keys=["1"]))
    said = heard(caller)
    assert said[1] == menu.OUTAGE_UPCOMING
    assert menu.OUTAGE_CAUSES[Cause.PIPELINE_INSPECTION] in said
    assert said.index(menu.OUTAGE_RESTORE_AT) < said.index(menu.OUTAGE_APOLOGY)
    assert caller.variables["TICKETTYPE"] == "outage-noted"
    [logged] = await sessions(core)
    assert logged.announced_incident_id == incident.id and logged.announced_outage_id is None
    assert incident.id is not None
    async with core.sessions() as session:
        linked = await incident_service.links(session, incident.id)
    assert [link.call_linkedid for link in linked.calls] == [logged.linkedid]
    assert (linked.heard_notice, linked.deflected) == (1, 1)


async def test_a_caller_hears_their_own_ticket_but_nobody_elses(core: CoreServices) -> None:
    view = await ticket_cases.open_ticket(
        core,
        await actor_named(core, "agent"),
        NewTicket(
            type=TicketType.REPAIR,
            subtype="indoor_equipment",
            description="壁挂炉不点火",
            caller_phone=CUSTOMER_PHONE,
            address="西湖区 文三路 5号",
        ),
    )
    keys = "".join(character for character in view.ticket.number if character.isdigit())
    own = await call(MenuScripts(core), ScriptedCaller(keys=["6", keys, ""]))
    assert menu.STATUS_YOUR_TICKET in heard(own)
    assert own.variables["HOTLINE_IVR"] == "goodbye"

    stranger = await call(
        MenuScripts(core), ScriptedCaller(keys=["6", keys, keys], callerid="13900139000")
    )
    assert menu.STATUS_YOUR_TICKET not in heard(stranger)
    assert heard(stranger).count(menu.STATUS_NOT_FOUND) == 2
    # Not found twice: a person, not a hang-up.
    assert stranger.variables["HOTLINE_IVR"] == "done"
    assert stranger.variables["HOTLINE_CHOICE"] == "0"


async def expect_a_long_wait(queue: menu.Queue) -> float:
    """Asterisk's queue as it might be on an outage evening: a quarter of an hour."""
    return 900.0


async def test_a_long_wait_books_a_ring_back_that_keeps_the_callers_place(
    core: CoreServices,
) -> None:
    scripts = MenuScripts(
        core, estimate_wait=expect_a_long_wait, book_callback=ringback_booker(core)
    )
    caller = await call(scripts, ScriptedCaller(keys=["2", "1", "1"]))
    assert caller.variables["HOTLINE_IVR"] == "goodbye"
    assert caller.variables["TICKETTYPE"] == "callback-booked"
    async with core.sessions() as session:
        [ringback] = (await session.exec(select(RingbackRow))).all()
    assert (ringback.number, ringback.reason, ringback.ticket_type) == (
        CUSTOMER_PHONE,
        "virtual_hold",
        "repair",
    )
    assert ringback.call_linkedid == "1800000001.7"
    [logged] = await sessions(core)
    assert (logged.finished, logged.callback_place) == ("callback-booked", 1)

    # Calling again and asking again keeps the one request, and the earlier place.
    await call(scripts, ScriptedCaller(keys=["2", "1", "1"]))
    async with core.sessions() as session:
        assert len((await session.exec(select(RingbackRow))).all()) == 1


async def test_a_wait_estimate_that_does_not_come_lets_the_caller_queue(
    core: CoreServices,
) -> None:
    async def never(queue: menu.Queue) -> float:
        raise OSError("Asterisk does not answer")

    async def book(booking: CallbackBooking) -> int:
        raise AssertionError("no callback without a long wait")

    caller = await call(
        MenuScripts(core, estimate_wait=never, book_callback=book), ScriptedCaller(keys=["3"])
    )
    assert caller.variables["TICKETTYPE"] == "complaint"
    assert caller.variables["HOTLINE_IVR"] == "done"


async def test_a_caller_who_hangs_up_in_the_menu_is_logged_as_such(core: CoreServices) -> None:
    await call(MenuScripts(core), ScriptedCaller(keys=["9"], hang_up_after=2))
    [logged] = await sessions(core)
    assert logged.outcome == "hung-up" and logged.keys == []


async def test_the_queue_timeout_offer_without_a_callback_service_sends_the_caller_back(
    core: CoreServices,
) -> None:
    caller = await call(MenuScripts(core), ScriptedCaller(keys=[]), script="callback-offer")
    assert "HOTLINE_IVR" not in caller.variables
    [logged] = await sessions(core)
    assert (logged.script, logged.outcome) == ("callback-offer", "back")


async def test_the_demos_generated_callers_go_through_the_real_menu(core: CoreServices) -> None:
    await a_customer(core)
    await ticket_cases.open_ticket(
        core,
        await actor_named(core, "disp"),
        NewTicket(type=TicketType.OUTAGE, subtype="planned", description="管网检修", area="西湖区"),
    )
    scripts = MenuScripts(core)
    async with menu_server(scripts) as port:
        pbx = FakeAsterisk(speed=500.0, agi_endpoint=("127.0.0.1", port))
        await pbx.start()
        try:
            await pbx.generate(
                calls_per_minute=60, seed=11, callers=["13800138001", "13900139000"], count=30
            )
            await pbx.calls_done()
        finally:
            await pbx.close()
    await scripts.close()
    logged = await sessions(core)
    assert len(logged) == 30
    outcomes = {session.outcome for session in logged}
    # Choices routed to the queues, hang-ups in the menu, and outage calls let go.
    assert {"routed", "hung-up", "finished"} <= outcomes
    assert any(session.service == "gas-smell" for session in logged)
    assert pbx.sent_events > 0
