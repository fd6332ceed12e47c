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
from hotline.web.context import AppContext, context_of


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


async def health(request: Request, _actor: Actor | None) -> Response:
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
    return JSONResponse(body, status_code=200 if ok else 503)


ROUTES = [
    ApiRoute(
        "GET",
        "/api/health",
        health,
        "Database, scheduler, telephony, calendar and event relay state (open: for monitoring)",
        None,
        responses={200: "healthy", 503: "degraded: see which part"},
        tag="operations",
    ),
]
