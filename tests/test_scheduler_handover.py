"""A worker that took both leaderships before the others were up (it tracks the calls and runs
the scheduler) hands the scheduler to a worker standing by, on a real PostgreSQL: the workers
are counted by their event relays' connections (hotline/workers.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from conftest import FakeClock
from test_scheduler import _service

from hotline.events import EventBus
from hotline.relay import EventRelay
from hotline.scheduler import SchedulerService
from hotline.workers import WORKER_PREFIX, other_workers


@pytest.fixture
async def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgres"):
        pytest.skip("several workers need PostgreSQL; on SQLite one process leads everything")
    return database_url


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    started = time.monotonic()
    while not condition() and time.monotonic() - started < seconds:
        await asyncio.sleep(0.05)
    return condition()


@pytest.fixture
async def relays(postgres_url: str) -> AsyncIterator[list[EventRelay]]:
    """The presence of two workers: their event relays, connected."""
    started = [EventRelay(postgres_url, EventBus(), f"{WORKER_PREFIX}{n}@test") for n in "ab"]
    for relay in started:
        await relay.start()
    yield started
    for relay in started:
        await relay.stop()


async def tracking_leader(
    postgres_url: str, clock: FakeClock, relay: EventRelay
) -> SchedulerService:
    """A worker that took the scheduler, then the telephony lease."""
    leader = _service(postgres_url, clock)
    leader.takeover_seconds = 0.05
    await leader.start()
    assert leader.leader
    leader.leads_otherwise = lambda: True
    leader.other_workers = lambda: other_workers(leader.engine, relay.name)
    return leader


async def test_the_scheduler_goes_to_the_worker_standing_by(
    postgres_url: str, clock: FakeClock, relays: list[EventRelay]
) -> None:
    leader = await tracking_leader(postgres_url, clock, relays[0])
    standby = _service(postgres_url, clock)
    standby.takeover_seconds = 0.05
    await standby.start()
    try:
        assert await other_workers(leader.engine, relays[0].name) == 1
        assert await until(lambda: standby.leader and not leader.leader)
        assert (leader.handovers, leader.running, standby.running) == (1, False, True)
        await asyncio.sleep(0.3)
        assert standby.leader and not leader.leader, "handed over once, not back and forth"
    finally:
        for service in (leader, standby):
            await service.stop()
            await service.engine.dispose()


async def test_alone_it_keeps_the_scheduler(postgres_url: str, clock: FakeClock) -> None:
    relay = EventRelay(postgres_url, EventBus())
    await relay.start()
    leader = await tracking_leader(postgres_url, clock, relay)
    try:
        await asyncio.sleep(0.3)
        assert leader.leader and leader.running and leader.handovers == 0
    finally:
        await leader.stop()
        await leader.engine.dispose()
        await relay.stop()


async def test_a_scheduler_nobody_takes_is_taken_back_and_kept(
    postgres_url: str, clock: FakeClock, relays: list[EventRelay]
) -> None:
    """Another worker is there but runs no scheduler (HOTLINE_SCHEDULER=off): the leader takes
    it back after the deference and does not hand it over again for minutes."""
    leader = await tracking_leader(postgres_url, clock, relays[0])
    try:
        assert await until(lambda: leader.handovers == 1)
        assert await until(lambda: leader.leader and leader.running, seconds=5)
        await asyncio.sleep(0.5)
        assert leader.handovers == 1 and leader.leader
    finally:
        await leader.stop()
        await leader.engine.dispose()
