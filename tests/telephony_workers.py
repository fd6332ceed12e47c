"""A hotline worker's telephony for tests of several workers: its AMI connection to a fake
Asterisk, its call tracker and the telephony lease that decides whether it tracks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from conftest import endpoint_of

from hotline.db.engine import create_engine, session_factory
from hotline.events import EventBus
from hotline.relay import EventRelay
from hotline.telephony.lease import TelephonyLease
from hotline.telephony.service import Telephony
from hotline.telephony.simulator import FakeAsterisk


@dataclass
class Worker:
    telephony: Telephony
    lease: TelephonyLease
    bus: EventBus


@asynccontextmanager
async def telephony_worker(
    url: str, pbx: FakeAsterisk, *, relayed: bool = False
) -> AsyncIterator[Worker]:
    """`relayed`: its events reach the other relayed workers through PostgreSQL, as in
    `hotline serve --workers N`."""
    engine = create_engine(url)
    bus = EventBus()
    relay = EventRelay(url, bus) if relayed else None
    if relay is not None:
        await relay.start()
    telephony = Telephony(
        endpoints=[endpoint_of(pbx)],
        sessions=session_factory(engine),
        bus=bus,
        clock=lambda: datetime.now(UTC),
        local_area_code="571",
    )
    await telephony.start()
    await telephony.line().client.wait_connected(5)
    lease = TelephonyLease(engine, telephony, check_seconds=0.2)
    lease.start()
    try:
        yield Worker(telephony, lease, bus)
    finally:
        await lease.stop()
        await telephony.stop()
        if relay is not None:
            await relay.stop()
        await engine.dispose()
