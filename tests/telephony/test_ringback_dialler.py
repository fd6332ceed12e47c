"""The ring-back dialler against the fake Asterisk over TCP: a caller gives up in the queue and
is rung back when an agent is free (agent's phone first), in the order callers arrived; callers
on the line go first, except for a gas smell; an unanswered ring-back is retried, then fails;
nothing is dialled while Asterisk is away."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from conftest import FakeClock, serve_with_phones
from sqlmodel import col, select

from hotline.application import ringbacks as cases
from hotline.application.ringbacks import RingbackRequest
from hotline.db.tables import CallRow, RingbackRow, User
from hotline.services.missed_calls import WRITE_LAG
from hotline.telephony.fastagi import FastAgiServer
from hotline.telephony.frames import AmiMessage
from hotline.telephony.menu_calls import MenuScripts, ringback_booker
from hotline.telephony.runtime import DEMO_MEMBERS
from hotline.telephony.simulator import FakeAsterisk
from hotline.telephony.simulator.agi_client import ScriptedCaller, run_agi_call
from hotline.web.context import AppContext
from ivr import menu
from tickets.ringbacks import RingbackPolicy, RingbackReason

UNANSWERED = "13800138002"


@pytest.fixture
async def pbx() -> AsyncIterator[FakeAsterisk]:
    fake = FakeAsterisk(
        members=DEMO_MEMBERS, speed=20.0, unanswered_numbers=frozenset({UNANSWERED})
    )
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def context(
    database_url: str, clock: FakeClock, pbx: FakeAsterisk
) -> AsyncIterator[AppContext]:
    if "postgresql" in database_url:
        pytest.skip("whole calls run once, on SQLite; the use cases run on both databases")
    async with serve_with_phones(database_url, clock, pbx) as server:
        assert isinstance(server.app_context, AppContext)
        yield server.app_context


def away(pbx: FakeAsterisk, queue: str, interface: str) -> None:
    pbx.state.members[(queue, interface)].paused = True


async def calls_over(pbx: FakeAsterisk, context: AppContext) -> None:
    """Every call the fake is playing has ended and is in the call log. A Ping answered means
    every event sent before it was read and folded: AMI answers in order."""
    await pbx.calls_done()
    assert context.telephony is not None
    await context.telephony.line().client.send("Ping")
    await context.telephony.writer.flushed()


async def ringbacks(context: AppContext) -> list[RingbackRow]:
    async with context.sessions() as session:
        found = await session.exec(select(RingbackRow).order_by(col(RingbackRow.id)))
        return list(found.all())


def asked(number: str, minutes_ago: float, clock: FakeClock, **more: object) -> RingbackRequest:
    values: dict[str, object] = {
        "number": number,
        "customer_id": None,
        "reason": RingbackReason.VIRTUAL_HOLD,
        "ticket_type": "consultation",
        "arrived_at": clock.now - timedelta(minutes=minutes_ago),
        "call_linkedid": None,
        "queue": "hotline",
    }
    values.update(more)
    return RingbackRequest(**values)  # type: ignore[arg-type]


async def test_a_caller_who_gave_up_is_rung_back_through_a_free_agent(
    context: AppContext, pbx: FakeAsterisk, clock: FakeClock
) -> None:
    away(pbx, "hotline", "PJSIP/8002")
    await pbx.place_call(caller="13900139000", scenario="abandoned_queued")
    await calls_over(pbx, context)
    scheduler = context.scheduler
    assert await scheduler.scan_missed_calls_once() == 0, "the caller may still call again"
    clock.advance(seconds=(RingbackPolicy().missed_call_grace + WRITE_LAG).total_seconds())
    async with context.bus.subscribe("ringback") as feed:
        assert await scheduler.scan_missed_calls_once() == 1
        assert await scheduler.dial_ringbacks_once() == 1
        [made] = await ringbacks(context)
        assert (made.status, made.dial_interface) == ("dialling", "PJSIP/8001")
        await calls_over(pbx, context)
        assert await scheduler.dial_ringbacks_once() == 0
        topics = [event.topic for event in feed.drain()]
    assert topics == ["ringback.requested", "ringback.dialling", "ringback.connected"]
    [done] = await ringbacks(context)
    assert (done.number, done.reason, done.status) == ("+8613900139000", "missed_call", "connected")
    async with context.sessions() as session:
        call = (
            await session.exec(
                select(CallRow).where(col(CallRow.linkedid) == done.answered_call_linkedid)
            )
        ).one()
        agent = (await session.exec(select(User).where(col(User.username) == "agent"))).one()
    assert call.direction == "outbound" and call.caller == "+8613900139000"
    assert call.requested_by_user_id == agent.id, "the call log names the agent who rang back"


async def test_callers_are_rung_back_in_the_order_they_arrived(
    context: AppContext, pbx: FakeAsterisk, clock: FakeClock
) -> None:
    away(pbx, "hotline", "PJSIP/8002")
    later = await cases.request_ringback(context, asked("13900139000", 2, clock))
    earlier = await cases.request_ringback(context, asked("13800138001", 9, clock))
    assert (later.place, earlier.place) == (1, 1), "the earlier arrival went ahead"
    scheduler = context.scheduler
    async with context.bus.subscribe("ringback.dialling") as feed:
        assert await scheduler.dial_ringbacks_once() == 1
        assert await scheduler.dial_ringbacks_once() == 0, "the one free agent is on it"
        await calls_over(pbx, context)
        assert await scheduler.dial_ringbacks_once() == 1
        dialled = [(event.data["id"], event.data["agent"]) for event in feed.drain()]
    assert dialled == [(earlier.id, "agent"), (later.id, "agent")]


async def test_callers_on_the_line_go_first_except_for_a_gas_smell(
    context: AppContext, pbx: FakeAsterisk, clock: FakeClock
) -> None:
    for queue, uniqueid in (("hotline", "1795400000.1"), ("emergency", "1795400000.2")):
        pbx.emit(
            AmiMessage.of(
                {
                    "Event": "QueueCallerJoin",
                    "Queue": queue,
                    "Uniqueid": uniqueid,
                    "Channel": f"PJSIP/trunk-{uniqueid}",
                    "CallerIDNum": "13700001234",
                }
            )
        )
    await pbx.drain()
    await cases.request_ringback(context, asked("13800138001", 30, clock))
    gas = await cases.request_ringback(
        context,
        asked(
            "13900139000",
            1,
            clock,
            reason=RingbackReason.GAS_SMELL_MISSED,
            ticket_type="gas-smell",
            queue="emergency",
        ),
    )
    assert await context.scheduler.dial_ringbacks_once() == 1
    dialling = [row for row in await ringbacks(context) if row.status == "dialling"]
    assert [(row.id, row.dial_interface) for row in dialling] == [(gas.id, "PJSIP/8003")]


async def test_an_unanswered_ring_back_is_retried_then_fails(
    context: AppContext, pbx: FakeAsterisk, clock: FakeClock
) -> None:
    policy = RingbackPolicy()
    await cases.request_ringback(context, asked(UNANSWERED, 1, clock))
    scheduler = context.scheduler
    async with context.bus.subscribe("ringback") as feed:
        for _attempt in range(policy.max_attempts):
            assert await scheduler.dial_ringbacks_once() == 1
            await calls_over(pbx, context)
            assert await scheduler.dial_ringbacks_once() == 0, "not before the retry time"
            clock.advance(seconds=policy.retry_after.total_seconds())
        settled = [event.topic for event in feed.drain() if event.topic != "ringback.dialling"]
    assert settled == ["ringback.retry", "ringback.retry", "ringback.failed"]
    [failed] = await ringbacks(context)
    assert (failed.status, failed.attempts, failed.note) == ("failed", 3, "no_answer")
    assert failed.finished_at is not None and failed.dial_interface is None


async def test_nothing_is_dialled_while_asterisk_is_away(
    context: AppContext, pbx: FakeAsterisk, clock: FakeClock
) -> None:
    await cases.request_ringback(context, asked("13800138001", 5, clock))
    await pbx.stop()
    assert await context.scheduler.dial_ringbacks_once() == 0
    [waiting] = await ringbacks(context)
    assert (waiting.status, waiting.attempts) == ("waiting", 0)


async def _a_long_wait(_queue: menu.Queue) -> float:
    return 900.0


async def test_a_menu_booking_takes_its_place_on_the_pbx_s_clock_like_a_missed_call(
    context: AppContext, pbx: FakeAsterisk, clock: FakeClock
) -> None:
    """The PBX's clock runs an hour ahead of ours. A caller gives up in the queue (the call
    log, and so the missed call's place, is on the PBX's clock); afterwards another caller
    books a callback in the menu. The one who came first is rung back first: the menu's
    booking is placed on the PBX's clock too, not on ours (an hour earlier)."""
    pbx.set_clock((clock.now + timedelta(hours=1)).timestamp())
    away(pbx, "hotline", "PJSIP/8002")
    await pbx.place_call(caller="13900139000", scenario="abandoned_queued")
    await calls_over(pbx, context)
    assert context.telephony is not None
    scripts = MenuScripts(
        context,
        estimate_wait=_a_long_wait,
        book_callback=ringback_booker(context),
        pbx_now=context.telephony.pbx_now,
    )
    server = FastAgiServer("127.0.0.1", 0, scripts.scripts())
    await server.start()
    try:
        booked = await run_agi_call(
            "127.0.0.1", server.port, "menu", ScriptedCaller(keys=["2", "1", "1"])
        )
    finally:
        await server.close()
        await scripts.close()
    assert booked.variables["TICKETTYPE"] == "callback-booked"
    clock.advance(seconds=(RingbackPolicy().missed_call_grace + WRITE_LAG).total_seconds())
    assert await context.scheduler.scan_missed_calls_once() == 1
    async with context.sessions() as session:
        gave_up = (
            await session.exec(select(CallRow).where(col(CallRow.caller) == "+8613900139000"))
        ).one()
    by_number = {row.number: row for row in await ringbacks(context)}
    missed, menu_booked = by_number["+8613900139000"], by_number["+8613800138001"]
    assert gave_up.ended_at is not None
    assert missed.arrived_at < gave_up.ended_at <= menu_booked.arrived_at
    assert await context.scheduler.dial_ringbacks_once() == 1, "one agent is free"
    dialling = [row.number for row in await ringbacks(context) if row.status == "dialling"]
    assert dialling == ["+8613900139000"]
