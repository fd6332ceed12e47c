"""Ring-back use cases on the real database: asked for by the IVR, made of missed calls by the
scan of the call log, dropped when the caller got through, withdrawn; announced after commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from conftest import FakeClock, add_staff
from sqlmodel import col, func, select

from hotline.application import ringbacks as cases
from hotline.application.ringbacks import RingbackRequest
from hotline.application.unit import CoreServices
from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import CallRow, RingbackRow, User
from hotline.events import EventBus
from hotline.services.actor import Actor
from hotline.services.errors import Conflict, Invalid
from hotline.services.missed_calls import WRITE_LAG
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings
from tickets.ringbacks import RingbackPolicy, RingbackReason, RingbackStatus
from tickets.workflow import Role

CALLER = "+8613800138001"
GRACE = RingbackPolicy().missed_call_grace


@pytest.fixture
async def core(database_url: str, clock: FakeClock) -> AsyncIterator[CoreServices]:
    await add_staff(database_url, clock.now)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    settings = Settings(database_url=database_url)
    yield CoreServices(
        settings, sessions, RulebookCache(sessions, settings.timezone), EventBus(), clock
    )
    await engine.dispose()


def asked(number: str, arrived_at: datetime, **more: object) -> RingbackRequest:
    values: dict[str, object] = {
        "number": number,
        "customer_id": None,
        "reason": RingbackReason.VIRTUAL_HOLD,
        "ticket_type": "repair",
        "arrived_at": arrived_at,
        "call_linkedid": None,
    }
    values.update(more)
    return RingbackRequest(**values)  # type: ignore[arg-type]


async def rows(core: CoreServices) -> list[RingbackRow]:
    async with core.sessions() as session:
        found = await session.exec(select(RingbackRow).order_by(col(RingbackRow.id)))
        return list(found.all())


async def test_asking_again_joins_the_open_ring_back_and_keeps_the_place(
    core: CoreServices, clock: FakeClock
) -> None:
    async with core.bus.subscribe("ringback") as feed:
        first = await cases.request_ringback(
            core, asked("13800138001", clock.now - timedelta(minutes=3))
        )
        other = await cases.request_ringback(
            core, asked("13900139000", clock.now - timedelta(minutes=2))
        )
        again = await cases.request_ringback(
            core, asked("+86 138 0013 8001", clock.now, reason=RingbackReason.MISSED_CALL)
        )
        topics = [event.topic for event in feed.drain()]
    assert (first.created, first.place) == (True, 1)
    assert (other.created, other.place) == (True, 2)
    assert (again.id, again.created, again.place) == (first.id, False, 1)
    assert topics == ["ringback.requested", "ringback.requested"], "the merge changed nothing"
    [kept, _] = await rows(core)
    assert kept.number == CALLER and kept.reason == RingbackReason.VIRTUAL_HOLD.value
    assert kept.arrived_at == clock.now - timedelta(minutes=3)


async def test_a_gas_smell_goes_to_the_head_of_the_line(
    core: CoreServices, clock: FakeClock
) -> None:
    await cases.request_ringback(core, asked("13900139000", clock.now - timedelta(minutes=20)))
    async with core.bus.subscribe("ringback") as feed:
        gas = await cases.request_ringback(
            core,
            asked(
                "13800138001",
                clock.now,
                reason=RingbackReason.GAS_SMELL_MISSED,
                ticket_type="gas-smell",
            ),
        )
        events = feed.drain()
    assert gas.place == 1
    assert [event.topic for event in events] == ["ringback.requested", "ringback.gas_smell"]
    assert events[1].data["number"] == CALLER and events[1].data["place"] == 1


async def test_a_withheld_number_cannot_be_called_back(
    core: CoreServices, clock: FakeClock
) -> None:
    with pytest.raises(Invalid) as refused:
        await cases.request_ringback(core, asked("anonymous", clock.now))
    assert "number" in refused.value.fields
    assert await rows(core) == []


async def test_requests_at_the_same_instant_make_one_ring_back(
    core: CoreServices, clock: FakeClock
) -> None:
    receipts = await asyncio.gather(
        *(cases.request_ringback(core, asked("13800138001", clock.now)) for _ in range(4))
    )
    assert len({receipt.id for receipt in receipts}) == 1
    assert sum(receipt.created for receipt in receipts) == 1
    assert len(await rows(core)) == 1


def abandoned(
    linkedid: str,
    caller: str | None,
    at: datetime,
    *,
    choice: str | None = "repair",
    queue: str = "hotline",
    wait: float = 40,
    disposition: str = "abandoned",
) -> CallRow:
    return CallRow(
        server="pbx",
        linkedid=linkedid,
        direction="inbound",
        caller=caller,
        ivr_choice=choice,
        queue=queue,
        started_at=at - timedelta(seconds=wait + 20),
        ended_at=at,
        wait_seconds=wait,
        disposition=disposition,
        updated_at=at,
    )


def answered(linkedid: str, caller: str, at: datetime, direction: str = "inbound") -> CallRow:
    return CallRow(
        server="pbx",
        linkedid=linkedid,
        direction=direction,
        caller=caller,
        queue="hotline" if direction == "inbound" else None,
        started_at=at - timedelta(seconds=10),
        answered_at=at,
        disposition="answered",
        updated_at=at,
    )


async def log_calls(core: CoreServices, *calls: CallRow) -> None:
    async with core.sessions() as session, session.begin():
        session.add_all(calls)


async def test_a_missed_call_becomes_a_ring_back_after_the_grace_time(
    core: CoreServices, clock: FakeClock
) -> None:
    gave_up = clock.now
    await log_calls(
        core,
        abandoned("1", CALLER, gave_up),
        abandoned("2", CALLER, gave_up + timedelta(seconds=30)),  # the same caller again
        abandoned("3", None, gave_up),  # withheld
        abandoned("4", "95598", gave_up),  # a service number
    )
    clock.advance(seconds=30)
    assert await cases.scan_missed_calls(core) == 0, "the caller may still call again"
    clock.now = gave_up + timedelta(seconds=30) + GRACE + WRITE_LAG
    async with core.bus.subscribe("ringback") as feed:
        assert await cases.scan_missed_calls(core) == 1
        assert await cases.scan_missed_calls(core) == 0, "each call is read once"
        topics = [event.topic for event in feed.drain()]
    assert topics == ["ringback.requested"]
    [made] = await rows(core)
    assert (made.number, made.reason, made.ticket_type) == (CALLER, "missed_call", "repair")
    assert made.arrived_at == gave_up - timedelta(seconds=40), "when the caller joined the queue"
    assert made.call_linkedid == "1" and made.status == RingbackStatus.WAITING.value


async def test_a_caller_let_go_at_the_queue_s_timeout_is_rung_back_once_per_number(
    core: CoreServices, clock: FakeClock
) -> None:
    """Timed out (the queue's timeout, then a hang-up during the callback offer; queue_log
    EXITWITHTIMEOUT) is not abandoned, but the caller still missed us: a ring-back, one per
    number however often they tried; a gas smell that timed out alarms the dispatchers at
    once."""
    gave_up = clock.now
    await log_calls(
        core,
        abandoned("1", CALLER, gave_up, disposition="timed_out"),
        abandoned("2", CALLER, gave_up + timedelta(seconds=20)),
        abandoned(
            "3", "+8613900139000", gave_up, choice="gas-smell", queue="emergency",
            disposition="timed_out",
        ),
    )  # fmt: skip
    clock.now = gave_up + WRITE_LAG
    assert await cases.scan_missed_calls(core) == 1, "the gas smell at once"
    clock.now = gave_up + timedelta(seconds=20) + GRACE + WRITE_LAG
    assert await cases.scan_missed_calls(core) == 1, "the first caller's two calls: one"
    made = {row.number: row for row in await rows(core)}
    assert (made[CALLER].reason, made[CALLER].call_linkedid) == ("missed_call", "1")
    assert made["+8613900139000"].reason == "gas_smell_missed"
    assert len(made) == 2


async def test_a_caller_who_got_through_meanwhile_needs_no_ring_back(
    core: CoreServices, clock: FakeClock
) -> None:
    gave_up = clock.now
    await log_calls(
        core,
        abandoned("1", CALLER, gave_up),
        answered("2", CALLER, gave_up + timedelta(minutes=1)),
    )
    clock.now = gave_up + GRACE + WRITE_LAG
    assert await cases.scan_missed_calls(core) == 0
    assert await rows(core) == []


async def test_an_abandoned_gas_smell_alarms_the_dispatchers_at_once(
    core: CoreServices, clock: FakeClock
) -> None:
    gave_up = clock.now
    await log_calls(
        core,
        abandoned("1", CALLER, gave_up, choice="gas-smell", queue="emergency"),
        abandoned("2", "+8613900139000", gave_up, choice=None, queue="emergency"),
    )
    clock.now = gave_up + WRITE_LAG
    async with core.bus.subscribe("ringback") as feed:
        assert await cases.scan_missed_calls(core) == 2
        alarms = [e for e in feed.drain() if e.topic == "ringback.gas_smell"]
    assert sorted(alarm.data["number"] for alarm in alarms) == [CALLER, "+8613900139000"]
    assert {row.reason for row in await rows(core)} == {"gas_smell_missed"}


async def test_an_open_ring_back_is_dropped_when_the_caller_gets_through(
    core: CoreServices, clock: FakeClock
) -> None:
    receipt = await cases.request_ringback(core, asked("13800138001", clock.now, call_linkedid="9"))
    clock.advance(minutes=2)
    await log_calls(core, answered("10", CALLER, clock.now))
    async with core.bus.subscribe("ringback") as feed:
        await cases.scan_missed_calls(core)
        [dropped] = feed.drain()
    assert dropped.topic == "ringback.dropped" and dropped.data["id"] == receipt.id
    [row] = await rows(core)
    assert row.status == "dropped" and row.answered_call_linkedid == "10"
    assert row.finished_at == clock.now


async def test_a_call_back_by_hand_connects_the_ring_back(
    core: CoreServices, clock: FakeClock
) -> None:
    await cases.request_ringback(core, asked("13800138001", clock.now))
    clock.advance(minutes=2)
    await log_calls(core, answered("11", CALLER, clock.now, direction="outbound"))
    await cases.scan_missed_calls(core)
    [row] = await rows(core)
    assert (row.status, row.answered_call_linkedid) == ("connected", "11")


async def test_a_missed_call_already_rung_back_makes_no_second_one(
    core: CoreServices, clock: FakeClock
) -> None:
    # The caller took the IVR's offer on this very call, and was called back within minutes.
    gave_up = clock.now
    await cases.request_ringback(core, asked("13800138001", gave_up, call_linkedid="1"))
    clock.advance(minutes=1)
    await log_calls(core, answered("20", CALLER, clock.now, direction="outbound"))
    await cases.scan_missed_calls(core)
    await log_calls(core, abandoned("1", CALLER, gave_up))
    clock.now = gave_up + GRACE + WRITE_LAG
    assert await cases.scan_missed_calls(core) == 0
    assert [row.status for row in await rows(core)] == ["connected"]


async def test_withdrawing_drops_an_open_ring_back_once(
    core: CoreServices, clock: FakeClock
) -> None:
    receipt = await cases.request_ringback(core, asked("13800138001", clock.now))
    async with core.sessions() as session:
        user = (await session.exec(select(User).where(col(User.username) == "sup"))).one()
    assert user.id is not None
    supervisor = Actor(user.id, user.username, Role.SUPERVISOR)
    row = await cases.withdraw(core, supervisor, receipt.id, "客户已到营业厅办理")
    assert (row.status, row.note) == ("dropped", "客户已到营业厅办理")
    with pytest.raises(Conflict):
        await cases.withdraw(core, supervisor, receipt.id, None)
    async with core.sessions() as session:
        count = await session.exec(select(func.count()).select_from(RingbackRow))
        assert count.one() == 1
