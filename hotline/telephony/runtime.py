"""Which telephony this process runs: a real Asterisk (HOTLINE_AMI_URL), the built-in
simulator (demo mode: HOTLINE_SIMULATOR=on), or none."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.events import EventBus
from hotline.settings import Settings
from hotline.telephony.endpoints import AmiEndpoint, parse_ami_urls
from hotline.telephony.model import CallRecord
from hotline.telephony.service import Telephony
from hotline.telephony.simulator import FakeAsterisk

log = logging.getLogger(__name__)

# Demo mode: the queues ring the demo agents' phones, so their screens pop.
DEMO_MEMBERS = {
    "hotline": [("PJSIP/8001", "Agent1"), ("PJSIP/8002", "Agent2")],
    "emergency": [("PJSIP/8003", "Agent3"), ("PJSIP/8004", "Agent4")],
}
# Callers of the demo: customers on file and strangers.
DEMO_CALLERS = [
    "13812345678",
    "13987654321",
    "15900001111",
    "18611112222",
    "13800138001",
    "13800138002",
    "13800138004",
    "13700001234",
    "13600005678",
    "15000009999",
]
DEMO_CALLS_PER_MINUTE = 6.0


@dataclass
class TelephonyRuntime:
    telephony: Telephony
    simulator: FakeAsterisk | None = None
    generator: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        if self.generator is not None:
            self.generator.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.generator
        await self.telephony.stop()
        if self.simulator is not None:
            await self.simulator.close()


async def start_telephony(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    clock: Callable[[], datetime],
    on_agent_connected: Callable[[CallRecord], Coroutine[Any, Any, None]] | None = None,
) -> TelephonyRuntime | None:
    simulator = None
    if settings.ami_url:
        endpoints = parse_ami_urls(settings.ami_url)
    elif settings.simulator:
        simulator = FakeAsterisk(members=DEMO_MEMBERS)
        await simulator.start()
        endpoints = [
            AmiEndpoint("127.0.0.1", simulator.port, simulator.username, simulator.secret, "demo")
        ]
        log.info("demo mode: taking calls from the built-in Asterisk simulator")
    else:
        return None
    telephony = Telephony(
        endpoints=endpoints,
        sessions=sessions,
        bus=bus,
        clock=clock,
        local_area_code=settings.local_area_code,
        inbound_contexts=settings.inbound_contexts,
        outbound_contexts=frozenset({settings.outbound_context}),
        timezone=settings.timezone,
    )
    telephony.on_agent_connected = on_agent_connected
    await telephony.start()
    runtime = TelephonyRuntime(telephony, simulator)
    if simulator is not None:
        runtime.generator = asyncio.create_task(
            simulator.generate(calls_per_minute=DEMO_CALLS_PER_MINUTE, callers=DEMO_CALLERS),
            name="demo calls",
        )
    return runtime
