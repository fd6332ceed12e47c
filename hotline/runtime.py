"""The composition root: everything a running hotline is made of, built from the settings in
one place and started and stopped in order — the database, the core the use cases run on,
the scheduler, telephony with the screen pop, the FastAGI server with its scripts, and the
survey and ring-back diallers. The web app only mounts routes on top of it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.application.unit import CoreServices
from hotline.db.engine import create_engine, session_factory
from hotline.events import EventBus
from hotline.scheduler import SchedulerService
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings
from hotline.telephony.fastagi import FastAgiServer
from hotline.telephony.ringback_calls import RingbackCalls
from hotline.telephony.runtime import TelephonyRuntime, start_telephony
from hotline.telephony.screenpop import ScreenPop
from hotline.telephony.service import Telephony
from hotline.telephony.survey_calls import survey_dialler, survey_script

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    engine: AsyncEngine
    core: CoreServices
    scheduler: SchedulerService
    telephony_runtime: TelephonyRuntime | None = None
    agi: FastAgiServer | None = None

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
        if self.telephony_runtime is not None:
            await self.telephony_runtime.stop()
        await self.scheduler.stop()
        await self.engine.dispose()


async def start_runtime(settings: Settings, clock: Callable[[], datetime]) -> Runtime:
    if settings.secret_key_generated:
        log.warning("HOTLINE_SECRET_KEY is not set: sessions will not survive a restart")
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    core = CoreServices(
        settings=settings,
        sessions=sessions,
        rulebooks=RulebookCache(sessions, settings.timezone),
        bus=EventBus(),
        clock=clock,
    )
    scheduler = SchedulerService(
        engine=engine,
        core=core,
        mode=settings.scheduler,
        sweep_interval=settings.sweep_interval_seconds,
        callback_interval=settings.callback_interval_seconds,
        ringback_interval=settings.callback_interval_seconds,
    )
    runtime = Runtime(engine, core, scheduler)
    try:
        await scheduler.start()
        pop = ScreenPop(sessions, core.bus, clock, settings)
        runtime.telephony_runtime = await start_telephony(
            settings, sessions, core.bus, clock, pop.agent_connected
        )
        # Asterisk runs our IVR scripts where it has a telephony connection to us.
        if runtime.telephony is not None:
            host, port = settings.agi_bind
            runtime.agi = FastAgiServer(host, port, {"survey": survey_script(core)})
            await runtime.agi.start()
            scheduler.dialler = survey_dialler(runtime.telephony, settings)
            scheduler.ringback_phone = RingbackCalls(runtime.telephony, settings)
    except BaseException:
        await runtime.stop()
        raise
    return runtime
