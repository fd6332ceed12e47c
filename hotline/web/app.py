"""The ASGI application: routes, error handlers, and the lifespan that opens the database and
starts the scheduler (in the one process that leads it)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hotline.db.engine import create_engine, session_factory
from hotline.events import EventBus
from hotline.scheduler import SchedulerService
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings
from hotline.web.api import calendar, escalations, health, me, tickets
from hotline.web.api.openapi import openapi_document
from hotline.web.api.registry import ApiRoute
from hotline.web.context import AppContext, utc_now
from hotline.web.errors import EXCEPTION_HANDLERS

log = logging.getLogger(__name__)

API_ROUTES: list[ApiRoute] = [
    *health.ROUTES,
    *me.ROUTES,
    *tickets.ROUTES,
    *escalations.ROUTES,
    *calendar.ROUTES,
]


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    document = openapi_document(API_ROUTES)

    async def openapi(_request: Request) -> JSONResponse:
        return JSONResponse(document)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        config = settings or Settings.from_env()
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
        try:
            yield
        finally:
            await scheduler.stop()
            await engine.dispose()

    routes = [route.starlette_route() for route in API_ROUTES]
    routes.append(Route("/api/openapi.json", openapi, methods=["GET"]))
    return Starlette(
        routes=routes,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
