"""The ASGI application: routes, error handlers, and the lifespan that opens the database and
starts the scheduler (in the one process that leads it)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hotline.db.engine import create_engine, session_factory
from hotline.events import EventBus
from hotline.scheduler import SchedulerService
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings
from hotline.telephony.fastagi import FastAgiServer
from hotline.telephony.runtime import start_telephony
from hotline.telephony.screenpop import ScreenPop
from hotline.telephony.survey_calls import survey_dialler, survey_script
from hotline.web.api import (
    agent_status,
    calendar,
    callbacks,
    calls,
    customers,
    dispatch,
    escalations,
    events,
    health,
    me,
    reports,
    tickets,
    wallboard,
)
from hotline.web.api.openapi import openapi_document
from hotline.web.api.registry import ApiRoute
from hotline.web.context import AppContext, utc_now
from hotline.web.errors import EXCEPTION_HANDLERS
from hotline.web.pages import admin as admin_pages
from hotline.web.pages import admin_calendar as calendar_pages
from hotline.web.pages import auth as auth_pages
from hotline.web.pages import callbacks as callback_pages
from hotline.web.pages import desk as desk_pages
from hotline.web.pages import field as field_pages
from hotline.web.pages import my_work as my_work_pages
from hotline.web.pages import reports as report_pages
from hotline.web.pages import tickets as ticket_pages
from hotline.web.session import session_middleware

STATIC = Path(__file__).parent / "static"

log = logging.getLogger(__name__)

API_ROUTES: list[ApiRoute] = [
    *health.ROUTES,
    *me.ROUTES,
    *tickets.ROUTES,
    *escalations.ROUTES,
    *calendar.ROUTES,
    *calls.ROUTES,
    *customers.ROUTES,
    *callbacks.ROUTES,
    *reports.ROUTES,
    *dispatch.ROUTES,
    *events.ROUTES,
    *agent_status.ROUTES,
    *wallboard.ROUTES,
]


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    # Read once: a generated secret key must be the same for sessions and everything else.
    config = settings or Settings.from_env()
    document = openapi_document(API_ROUTES)

    async def openapi(_request: Request) -> JSONResponse:
        return JSONResponse(document)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if config.secret_key_generated:
            log.warning("HOTLINE_SECRET_KEY is not set: sessions will not survive a restart")
        engine = create_engine(config.database_url)
        sessions = session_factory(engine)
        bus = EventBus()
        scheduler = SchedulerService(
            engine=engine,
            sessions=sessions,
            bus=bus,
            clock=clock,
            mode=config.scheduler,
            sweep_interval=config.sweep_interval_seconds,
            callback_interval=config.callback_interval_seconds,
            local_area_code=config.local_area_code,
            timezone=config.timezone,
        )
        app.state.context = AppContext(
            settings=config,
            engine=engine,
            sessions=sessions,
            rulebooks=RulebookCache(sessions, config.timezone),
            bus=bus,
            scheduler=scheduler,
            clock=clock,
        )
        await scheduler.start()
        pop = ScreenPop(sessions, bus, clock, config)
        runtime = await start_telephony(config, sessions, bus, clock, pop.agent_connected)
        app.state.context.telephony = runtime.telephony if runtime is not None else None
        # Asterisk runs our IVR scripts where it has a telephony connection to us.
        agi = None
        if runtime is not None:
            host, port = config.agi_bind
            agi = FastAgiServer(host, port, {"survey": survey_script(app.state.context)})
            await agi.start()
            app.state.context.agi_port = agi.port
            scheduler.dialler = survey_dialler(runtime.telephony, config)
        try:
            yield
        finally:
            if agi is not None:
                await agi.close()
            if runtime is not None:
                await runtime.stop()
            await scheduler.stop()
            await engine.dispose()

    routes: list[BaseRoute] = [route.starlette_route() for route in API_ROUTES]
    routes.append(Route("/api/openapi.json", openapi, methods=["GET"]))
    routes += [*auth_pages.ROUTES, *desk_pages.ROUTES, *ticket_pages.ROUTES]
    routes += [*calendar_pages.ROUTES, *admin_pages.ROUTES, *callback_pages.ROUTES]
    routes += [*field_pages.ROUTES, *my_work_pages.ROUTES, *report_pages.ROUTES]
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    return Starlette(
        routes=routes,
        middleware=[session_middleware(config)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
