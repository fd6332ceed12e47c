"""One scheduler leader at a time; a standby takes over when the leader goes."""

from __future__ import annotations

import asyncio
import time

from conftest import FakeClock

from hotline.application.unit import CoreServices
from hotline.db.engine import create_engine, session_factory
from hotline.events import EventBus
from hotline.scheduler import SchedulerService
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings


def _service(database_url: str, clock: FakeClock) -> SchedulerService:
    engine = create_engine(database_url)
    settings = Settings(database_url=database_url)
    sessions = session_factory(engine)
    core = CoreServices(
        settings, sessions, RulebookCache(sessions, settings.timezone), EventBus(), clock
    )
    return SchedulerService(
        engine=engine,
        core=core,
        sweep_interval=0.2,
        takeover_seconds=0.2,
    )


async def test_a_standby_takes_over_when_the_leader_stops(
    database_url: str, clock: FakeClock
) -> None:
    leader, standby = _service(database_url, clock), _service(database_url, clock)
    await leader.start()
    await standby.start()
    try:
        assert leader.running and not standby.running
        await leader.stop()
        started = time.monotonic()
        while not standby.running and time.monotonic() - started < 5:
            await asyncio.sleep(0.05)
        assert standby.running and standby.leader
        runs = standby.stats.runs
        await asyncio.sleep(0.5)
        assert standby.stats.runs > runs, "the new leader sweeps"
    finally:
        await leader.stop()
        await standby.stop()
        await leader.engine.dispose()
        await standby.engine.dispose()


async def test_scheduler_off_never_leads(database_url: str, clock: FakeClock) -> None:
    service = _service(database_url, clock)
    service.mode = "off"
    await service.start()
    assert not service.leader and not service.running
    await service.stop()
    await service.engine.dispose()
