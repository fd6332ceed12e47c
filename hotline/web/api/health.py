"""GET /api/health: is the service able to do its job, and what should an operator know."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.db.engine import mask_url
from hotline.db.migrate import alembic_config
from hotline.services.actor import Actor
from hotline.web.api.registry import ApiRoute
from hotline.web.auth import authenticate
from hotline.web.context import AppContext, context_of
from hotline.web.errors import ApiError


@cache
def _head_revision(database_url: str) -> str | None:
    """The newest migration this code ships: read once (it takes milliseconds of file reading
    and parsing, on the event loop, and cannot change while the process runs)."""
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


async def _database(context: AppContext) -> dict[str, Any]:
    report: dict[str, Any] = {
        "url": mask_url(context.settings.database_url),
        "backend": context.engine.dialect.name,
    }
    try:
        async with context.engine.connect() as connection:
            revision = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one_or_none()
    except Exception as error:
        return {**report, "ok": False, "error": type(error).__name__}
    head = _head_revision(context.settings.database_url)
    return {**report, "ok": revision == head, "revision": revision, "head": head}


async def _calendar(context: AppContext) -> dict[str, Any]:
    rulebook = await context.rulebooks.get()
    today = context.clock().astimezone(rulebook.timezone).date()
    # Deadlines of five working days reach into the next year from mid-December on.
    years = [today.year, today.year + 1]
    estimated = rulebook.calendar.estimated_years(years)
    return {
        "estimated_years": estimated,
        "warnings": [
            f"{year} has no official holiday calendar yet: working-day deadlines in it are "
            "estimated until an admin enters the State Council's schedule"
            for year in estimated
        ],
    }


async def _signed_in(request: Request) -> bool:
    try:
        await authenticate(request)
    except ApiError:
        return False
    return True


async def health(request: Request, _actor: Actor | None) -> Response:
    """The status for anyone (a load balancer, a monitor); what lies behind it (database host
    and user, PBX names and errors, scheduler internals) for signed-in staff only."""
    context = context_of(request)
    database = await _database(context)
    calendar = (
        await _calendar(context) if database["ok"] else {"estimated_years": [], "warnings": []}
    )
    scheduler = context.scheduler.health()
    scheduler_ok = scheduler["mode"] == "off" or scheduler["running"] or not scheduler["leader"]
    telephony: dict[str, Any] = (
        context.telephony.health()
        if context.telephony is not None
        else {"state": "off", "detail": "no HOTLINE_AMI_URL and no simulator: calls not logged"}
    )
    telephony_ok = telephony["state"] in {"ok", "off"}
    ok = database["ok"] and scheduler_ok and scheduler["last_error"] is None and telephony_ok
    body = {
        "status": "ok" if ok else "degraded",
        "time": context.clock().astimezone(context.settings.timezone).isoformat(),
        "database": database,
        "scheduler": scheduler,
        "telephony": telephony,
        "calendar": calendar,
        # Which worker answered (several may serve one port), and what it leads.
        "worker": {
            "pid": os.getpid(),
            "scheduler_leader": bool(scheduler.get("leader")),
            "telephony_tracking": bool(telephony.get("tracking")),
        },
        "relay": context.relay.health()
        if context.relay is not None
        else {"state": "off", "detail": "one process: events stay in it"},
    }
    status_code = 200 if ok else 503
    if not await _signed_in(request):
        return JSONResponse({"status": body["status"]}, status_code=status_code)
    return JSONResponse(body, status_code=status_code)


ROUTES = [
    ApiRoute(
        "GET",
        "/api/health",
        health,
        "`status` for anyone (monitoring); with a token also the database, scheduler, "
        "telephony, calendar and event relay state",
        None,
        responses={200: "healthy", 503: "degraded: see which part"},
        tag="operations",
    ),
]
