"""Events across workers (hotline/relay.py) on a real PostgreSQL: what one worker publishes
reaches the others' subscribers once, its own subscribers once, whatever its size; a worker
whose connection was cut catches up on what it missed. SQLite is one process: no relay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import pytest

from hotline.events import Event, EventBus, Subscription
from hotline.relay import DELIVER_CHUNK, EventRelay, asyncpg_dsn
from hotline.settings import Settings, SettingsError

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgres"):
        pytest.skip("the relay runs on PostgreSQL only (SQLite serves one process)")
    return database_url


@asynccontextmanager
async def worker(url: str) -> AsyncIterator[tuple[EventBus, EventRelay]]:
    bus = EventBus()
    relay = EventRelay(url, bus)
    await relay.start()
    try:
        yield bus, relay
    finally:
        await relay.stop()


async def next_event(subscription: Subscription) -> Event:
    return await subscription.next(timeout=5)


async def test_an_event_reaches_every_worker_once(postgres_url: str) -> None:
    async with (
        worker(postgres_url) as (first, _),
        worker(postgres_url) as (second, _),
        worker(postgres_url) as (third, _),
        first.subscribe("screenpop") as at_first,
        second.subscribe("screenpop") as at_second,
        third.subscribe("screenpop") as at_third,
    ):
        first.publish("screenpop.agent1", AT, {"caller": "+8613800138001"})
        for feed in (at_first, at_second, at_third):
            event = await next_event(feed)
            assert (event.topic, event.data) == ("screenpop.agent1", {"caller": "+8613800138001"})
            assert event.at == AT
        # Nobody gets it twice, the publisher least of all.
        await asyncio.sleep(0.5)
        assert [feed.drain() for feed in (at_first, at_second, at_third)] == [[], [], []]


async def test_an_event_larger_than_a_notify_payload_is_relayed_whole(postgres_url: str) -> None:
    description = "燃气" * 10_000  # 60 kB in UTF-8; NOTIFY stops at 8000 bytes
    async with (
        worker(postgres_url) as (first, _),
        worker(postgres_url) as (second, _),
        second.subscribe("ticket") as feed,
    ):
        first.publish("ticket.created", AT, {"description": description})
        assert (await next_event(feed)).data == {"description": description}


async def test_a_worker_cut_off_catches_up_on_its_way_back(postgres_url: str) -> None:
    async with (
        worker(postgres_url) as (first, _),
        worker(postgres_url) as (second, relay),
        second.subscribe("sla") as feed,
    ):
        admin = await asyncpg.connect(asyncpg_dsn(postgres_url))
        try:
            # The database ends the second worker's listening connection, as a restart would.
            await admin.execute("SELECT pg_terminate_backend($1)", relay.health()["listener_pid"])
        finally:
            await admin.close()
        for n in range(3):
            first.publish("sla.breach", AT, {"n": n})
        received = [(await next_event(feed)).data["n"] for _ in range(3)]
        assert received == [0, 1, 2]
        assert relay.health()["state"] == "listening"
        await asyncio.sleep(0.5)
        assert feed.drain() == []


async def test_a_long_run_of_relayed_events_leaves_the_loop_free_between_chunks(
    postgres_url: str,
) -> None:
    """A catch-up after the database was away hands the bus seconds of every worker's events;
    the screen pops due meanwhile must not wait for all of them."""
    turns = 0

    async def other_work() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    turns_seen: list[int] = []
    async with (
        worker(postgres_url) as (first, _),
        worker(postgres_url) as (second, _),
        second.subscribe("call") as feed,
    ):
        second.listeners.append(lambda event: turns_seen.append(turns))
        ticking = asyncio.create_task(other_work())
        try:
            count = 6 * DELIVER_CHUNK
            for n in range(count):
                first.publish("call.progress", AT, {"n": n})
            received = [(await next_event(feed)).data["n"] for _ in range(count)]
        finally:
            ticking.cancel()
        assert received == list(range(count))
        assert len(set(turns_seen)) >= count // DELIVER_CHUNK


async def test_health_shows_the_relays_traffic_and_lag(postgres_url: str) -> None:
    async with (
        worker(postgres_url) as (first, sender),
        worker(postgres_url) as (second, receiver),
        second.subscribe("ticket") as feed,
    ):
        first.publish("ticket.updated", AT, {"number": "BX-20261130-0001"})
        await next_event(feed)
        # The sender counts a batch once its commit returns, which may be after the listener
        # has already read the rows.
        async with asyncio.timeout(5):
            while sender.health()["sent"] != 1:
                await asyncio.sleep(0.01)
        health = receiver.health()
        assert health["received"] == 1 and health["state"] == "listening"
        assert health["lag_ms"]["max"] >= 0


def test_several_workers_need_postgresql_and_a_shared_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOTLINE_WORKERS", "2")
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "sqlite:///hotline.db")
    with pytest.raises(SettingsError, match="PostgreSQL"):
        Settings.from_env(env_file=None)
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql://hotline@db/hotline")
    monkeypatch.delenv("HOTLINE_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="HOTLINE_SECRET_KEY"):
        Settings.from_env(env_file=None)
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "shared")
    settings = Settings.from_env(env_file=None)
    assert settings.workers == 2 and settings.relay_events
