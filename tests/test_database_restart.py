"""Several workers through a restart of PostgreSQL, on a cluster of the tests' own (the shared
one is never stopped): the worker tracking the calls goes on while the database is away and
takes its lease back, so a call that ends meanwhile is logged complete; one scheduler leads
again, never two at once; the event relay delivers across workers again, an event told while
the database was away included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import pytest
from private_postgres import PrivateCluster, available
from telephony_workers import telephony_worker

from hotline.db.engine import create_engine
from hotline.db.migrate import upgrade
from hotline.events import EventBus
from hotline.relay import EventRelay, asyncpg_dsn
from hotline.runtime import build_core
from hotline.scheduler import SchedulerService
from hotline.settings import Settings
from hotline.telephony.simulator import FakeAsterisk


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    if not available():
        pytest.skip("no PostgreSQL 15 binaries to run a cluster of our own")
    cluster = PrivateCluster()
    try:
        cluster.create()
        upgrade(cluster.url)
        yield cluster
    finally:
        cluster.destroy()


async def restart(cluster: PrivateCluster, while_away: Awaitable[None]) -> None:
    await asyncio.to_thread(cluster.stop)
    await while_away
    await asyncio.to_thread(cluster.start)


async def until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)


async def test_the_call_tracker_goes_on_through_a_restart_and_loses_no_call(
    cluster: PrivateCluster, fake_asterisk: FakeAsterisk
) -> None:
    async with AsyncExitStack() as stack:
        workers = [
            await stack.enter_async_context(telephony_worker(cluster.url, fake_asterisk))
            for _ in range(2)
        ]
        await until(lambda: any(w.telephony.tracking for w in workers))
        holder = next(w for w in workers if w.telephony.tracking)
        other = next(w for w in workers if not w.telephony.tracking)
        calls = await stack.enter_async_context(holder.bus.subscribe("call.agent_connected"))

        call = fake_asterisk.place_call(caller="13800138001", scenario="answered", stretch=40.0)
        linkedid = (await calls.next(timeout=10)).data["call"]["linkedid"]
        fake_asterisk.pause()
        await holder.telephony.writer.flushed()

        async def the_call_ends() -> None:
            fake_asterisk.resume()
            await call
            await until(lambda: holder.telephony.line().tracker.in_progress() == [])

        await restart(cluster, the_call_ends())
        await until(lambda: holder.lease.held)
        await holder.telephony.writer.flushed()

        assert holder.lease.taken_back == 1 and other.lease.takeovers == 0
        assert holder.telephony.tracking and not other.telephony.tracking
        connection = await asyncpg.connect(asyncpg_dsn(cluster.url))
        try:
            row = await connection.fetchrow(
                "SELECT disposition, agent_name, ended_at FROM call_log WHERE linkedid = $1",
                linkedid,
            )
        finally:
            await connection.close()
        assert row is not None and row["ended_at"] is not None
        assert (row["disposition"], row["agent_name"]) == ("answered", "Agent1")


@asynccontextmanager
async def scheduling_worker(url: str) -> AsyncIterator[tuple[SchedulerService, EventBus]]:
    settings = Settings(database_url=url)
    engine = create_engine(url)
    core = build_core(settings, engine, lambda: datetime.now(UTC))
    relay = EventRelay(url, core.bus)
    await relay.start()
    scheduler = SchedulerService(engine=engine, core=core, sweep_interval=0.2, takeover_seconds=0.2)
    await scheduler.start()
    try:
        yield scheduler, core.bus
    finally:
        await scheduler.stop()
        await relay.stop()
        await engine.dispose()


async def test_one_scheduler_and_the_relay_again_after_a_restart(cluster: PrivateCluster) -> None:
    async with AsyncExitStack() as stack:
        workers = [await stack.enter_async_context(scheduling_worker(cluster.url)) for _ in "ab"]
        schedulers = [scheduler for scheduler, _ in workers]
        leading: list[int] = []

        async def watch() -> None:
            while True:
                leading.append(sum(scheduler.running for scheduler in schedulers))
                await asyncio.sleep(0.02)

        (_, first), (_, second) = workers
        feed = await stack.enter_async_context(second.subscribe("ticket"))

        async def away() -> None:
            # Long enough for the leader to learn its lock is gone; an event told meanwhile.
            first.publish("ticket.updated", datetime.now(UTC), {"number": "T-1"})
            await until(lambda: not any(s.leader for s in schedulers))

        watcher = asyncio.create_task(watch())
        try:
            await until(lambda: sum(s.running for s in schedulers) == 1)
            await restart(cluster, away())
            await until(lambda: sum(s.leader for s in schedulers) == 1)
            await until(lambda: any(s.running and s.stats.last_error is None for s in schedulers))
        finally:
            watcher.cancel()
        assert max(leading) == 1, "never two schedulers at once"

        assert (await feed.next(timeout=15)).data == {"number": "T-1"}
        first.publish("ticket.updated", datetime.now(UTC), {"number": "T-2"})
        assert (await feed.next(timeout=15)).data == {"number": "T-2"}
