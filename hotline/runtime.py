"""The composition root: everything a running hotline is made of, built from the settings in
one place and started and stopped in order — the database, the core the use cases run on,
the scheduler, telephony with the screen pop, the FastAGI server with its scripts, and the
survey and ring-back diallers. The web app only mounts routes on top of it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.application import calls as call_cases
from hotline.application.unit import CoreServices
from hotline.db.engine import create_engine, session_factory
from hotline.events import EventBus
from hotline.relay import EventRelay
from hotline.scheduler import SchedulerService
from hotline.services.gas_off import forget_on_change, gas_off_now
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings
from hotline.sms.sender import SmsSender
from hotline.sms.url import parse_smpp_url
from hotline.telephony.fastagi import FastAgiServer
from hotline.telephony.lease import TelephonyLease
from hotline.telephony.menu_calls import MenuScripts, menu_scripts
from hotline.telephony.model import CallRecord
from hotline.telephony.ringback_calls import RingbackCalls
from hotline.telephony.runtime import TelephonyRuntime, start_telephony
from hotline.telephony.screenpop import ScreenPop
from hotline.telephony.service import Telephony
from hotline.telephony.survey_calls import survey_dialler, survey_script
from hotline.workers import other_workers

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    engine: AsyncEngine
    core: CoreServices
    scheduler: SchedulerService
    telephony_runtime: TelephonyRuntime | None = None
    agi: FastAgiServer | None = None
    menu: MenuScripts | None = None
    relay: EventRelay | None = None
    lease: TelephonyLease | None = None
    # The caller's file for agents: popped as calls connect, again when a feed opens mid-call.
    screen_pop: ScreenPop | None = None

    @property
    def telephony(self) -> Telephony | None:
        return self.telephony_runtime.telephony if self.telephony_runtime else None

    @property
    def agi_port(self) -> int | None:
        """Where our FastAGI server listens (HOTLINE_AGI_BIND; a free port in tests)."""
        return self.agi.port if self.agi is not None else None

    async def stop(self) -> None:
        if self.agi is not None:
            await self.agi.close()
        if self.menu is not None:
            await self.menu.close()
        if self.lease is not None:
            await self.lease.stop()
        if self.telephony_runtime is not None:
            await self.telephony_runtime.stop()
        await self.scheduler.stop()
        if self.relay is not None:
            await self.relay.stop()
        await self.engine.dispose()


def build_core(
    settings: Settings, engine: AsyncEngine, clock: Callable[[], datetime]
) -> CoreServices:
    sessions = session_factory(engine)
    return CoreServices(
        settings=settings,
        sessions=sessions,
        rulebooks=RulebookCache(sessions, settings.timezone),
        bus=EventBus(),
        clock=clock,
    )


@asynccontextmanager
async def command_core(
    settings: Settings, clock: Callable[[], datetime] = utc_now
) -> AsyncIterator[CoreServices]:
    """The core for one command (a CLI command, the demo): the use cases as the server runs
    them, with nobody listening to what they announce."""
    engine = create_engine(settings.database_url)
    try:
        yield build_core(settings, engine, clock)
    finally:
        await engine.dispose()


async def start_runtime(settings: Settings, clock: Callable[[], datetime]) -> Runtime:
    if settings.secret_key_generated:
        log.warning("HOTLINE_SECRET_KEY is not set: sessions will not survive a restart")
    engine = create_engine(settings.database_url)
    core = build_core(settings, engine, clock)
    sessions = core.sessions
    scheduler = SchedulerService(
        engine=engine,
        core=core,
        mode=settings.scheduler,
        sweep_interval=settings.sweep_interval_seconds,
        callback_interval=settings.callback_interval_seconds,
        ringback_interval=settings.callback_interval_seconds,
    )
    if settings.smpp_url:
        scheduler.sms = SmsSender(core, parse_smpp_url(settings.smpp_url))
    runtime = Runtime(engine, core, scheduler)
    try:
        if settings.relay_events:
            relay = runtime.relay = EventRelay(settings.database_url, core.bus)
            await relay.start()
            scheduler.other_workers = lambda: other_workers(engine, relay.name)
        await scheduler.start()
        # The pop and the menu share one view of where gas is off.
        gas_off = gas_off_now(sessions)
        forget_on_change(gas_off, core.bus)
        pop = runtime.screen_pop = ScreenPop(sessions, settings, gas_off)

        async def agent_connected(call: CallRecord) -> None:
            await call_cases.pop_screen(core, pop, call)

        runtime.telephony_runtime = await start_telephony(
            settings, sessions, core.bus, clock, agent_connected
        )
        if runtime.telephony is not None and settings.relay_events:
            # Several workers: one tracks the calls, the others stand by (telephony/lease.py).
            lease = runtime.lease = TelephonyLease(
                engine, runtime.telephony, leads_otherwise=lambda: scheduler.leader
            )
            scheduler.leads_otherwise = lambda: lease.held
            lease.start()
        # Asterisk runs our IVR scripts where it has a telephony connection to us.
        if runtime.telephony is not None:
            host, port = settings.agi_bind
            runtime.menu = menu_scripts(core, runtime.telephony, gas_off)
            scripts = {"survey": survey_script(core), **runtime.menu.scripts()}
            runtime.agi = FastAgiServer(host, port, scripts, peers=settings.agi_peers)
            await runtime.agi.start()
            simulator = runtime.telephony_runtime.simulator if runtime.telephony_runtime else None
            if simulator is not None:
                # The demo's callers go through the real menu, as the dialplan sends them.
                simulator.agi_endpoint = ("127.0.0.1", runtime.agi.port)
            scheduler.dialler = survey_dialler(runtime.telephony, settings)
            scheduler.ringback_phone = RingbackCalls(runtime.telephony, settings)
    except BaseException:
        await runtime.stop()
        raise
    return runtime
