"""`/reports`: the KPI figures for a period — repair timeliness, first-time fix, callbacks,
satisfaction, replies in time, calls — with bars, each over every deadline that fell due and
next to its target (flagged when looser than the rules), per month and department, and
downloads; and the outages' figures (notice lead time, restoration, notices reached,
relighting)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hotline.i18n import N_
from hotline.services import departments
from hotline.services.actor import Actor
from hotline.services.kpi import kpi_report
from hotline.services.outage_report import outage_report
from hotline.web.api.reports import period
from hotline.web.context import context_of
from hotline.web.pages.guard import page
from hotline.web.templating import render
from tickets.workflow import REPORT_READERS


def _day(raw: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else fallback
    except ValueError:
        return fallback


async def reports(request: Request, actor: Actor) -> Response:
    context = context_of(request)
    tz = context.settings.timezone
    today = context.clock().astimezone(tz).date()
    first = today.replace(day=1)
    start = _day(request.query_params.get("from"), first)
    end = _day(request.query_params.get("to"), today)
    problem = None
    report: dict[str, Any] | None = None
    outages: dict[str, Any] | None = None
    names: dict[str, str] = {}
    if end < start or (end - start) > timedelta(days=366):
        problem = N_("Choose a period of at most a year that ends after it starts.")
    else:
        report = (await kpi_report(context.sessions, *period(start, end, tz), tz)).json(tz)
        async with context.sessions() as session:
            names = {d.code: d.name for d in await departments.list_departments(session)}
            outages = await outage_report(session, *period(start, end, tz), tz)
    return render(
        request,
        "reports.html",
        {
            "start": start,
            "end": end,
            "report": report,
            "outages": outages,
            "problem": problem,
            "departments": names,
        },
        actor=actor,
    )


ROUTES = [Route("/reports", page(REPORT_READERS, reports))]
