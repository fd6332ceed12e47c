"""The ASGI application: routes and error handlers, mounted on the running hotline that the
lifespan starts and stops (hotline/runtime.py builds it)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hotline.runtime import start_runtime, utc_now
from hotline.settings import Settings
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
    incidents,
    me,
    notes,
    photos,
    relighting,
    reports,
    ringbacks,
    tickets,
    wallboard,
)
from hotline.web.api.openapi import openapi_document
from hotline.web.api.registry import ApiRoute, starlette_routes
from hotline.web.context import AppContext
from hotline.web.errors import EXCEPTION_HANDLERS
from hotline.web.guards import RequestGuard
from hotline.web.pages import admin as admin_pages
from hotline.web.pages import admin_calendar as calendar_pages
from hotline.web.pages import auth as auth_pages
from hotline.web.pages import callbacks as callback_pages
from hotline.web.pages import crews as crew_pages
from hotline.web.pages import customers as customer_pages
from hotline.web.pages import desk as desk_pages
from hotline.web.pages import field as field_pages
from hotline.web.pages import incidents as incident_pages
from hotline.web.pages import my_work as my_work_pages
from hotline.web.pages import outages as outage_pages
from hotline.web.pages import reports as report_pages
from hotline.web.pages import ringbacks as ringback_pages
from hotline.web.pages import sms as sms_pages
from hotline.web.pages import tickets as ticket_pages
from hotline.web.session import session_middleware

STATIC = Path(__file__).parent / "static"

log = logging.getLogger(__name__)

API_ROUTES: list[ApiRoute] = [
    *health.ROUTES,
    *me.ROUTES,
    *tickets.ROUTES,
    *notes.ROUTES,
    *photos.ROUTES,
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
    *ringbacks.ROUTES,
    *incidents.ROUTES,
    *relighting.ROUTES,
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
        runtime = await start_runtime(config, clock)
        app.state.context = AppContext(runtime)
        try:
            yield
        finally:
            await runtime.stop()

    routes: list[BaseRoute] = [*starlette_routes(API_ROUTES)]
    routes.append(Route("/api/openapi.json", openapi, methods=["GET"]))
    routes += [*auth_pages.ROUTES, *desk_pages.ROUTES, *ticket_pages.ROUTES]
    routes += [*calendar_pages.ROUTES, *admin_pages.ROUTES, *callback_pages.ROUTES]
    routes += [*field_pages.ROUTES, *my_work_pages.ROUTES, *report_pages.ROUTES]
    routes += [*ringback_pages.ROUTES, *outage_pages.ROUTES, *incident_pages.ROUTES]
    routes += [*sms_pages.ROUTES, *customer_pages.ROUTES, *crew_pages.ROUTES]
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(RequestGuard), session_middleware(config)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.feed_slots = events.FeedSlots(config.feeds_per_user)
    return app
