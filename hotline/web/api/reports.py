"""GET /api/reports/kpi: the monthly KPI report for a period of local days, as JSON, CSV or
XLSX (for the utility's monthly returns)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.i18n import translations
from hotline.services.actor import Actor
from hotline.services.kpi import kpi_report
from hotline.services.outage_report import outage_report
from hotline.web.api.registry import ApiRoute, parse_query
from hotline.web.api.report_headers import HEADERS
from hotline.web.api.schemas import KpiQuery, PeriodQuery
from hotline.web.context import context_of
from hotline.web.templating import page_locale
from tickets.workflow import REPORT_READERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local days `start` to `end`, both included, as UTC instants [from, to)."""
    return (
        datetime.combine(start, time(0), tz),
        datetime.combine(end + timedelta(days=1), time(0), tz),
    )


def flat_rows(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """One table for spreadsheets: a row per month and department, then per month and queue."""
    ticket_keys = [key for key in report["totals"]["tickets"]]
    call_keys = [key for key in report["totals"]["calls"]]
    header = ["section", "month", "department_or_queue", *ticket_keys, *call_keys]
    rows: list[list[Any]] = []
    for row in report["tickets"]:
        rows.append(
            ["tickets", row["month"], row["department"], *(row[k] for k in ticket_keys)]
            + [None] * len(call_keys)
        )
    for row in report["calls"]:
        rows.append(
            ["calls", row["month"], row["queue"], *([None] * len(ticket_keys))]
            + [row[k] for k in call_keys]
        )
    totals = report["totals"]
    rows.append(
        ["total", "", "", *(totals["tickets"][k] for k in ticket_keys)]
        + [totals["calls"][k] for k in call_keys]
    )
    return header, rows


def as_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    # With a BOM, Excel on a Chinese Windows opens UTF-8 correctly.
    return ("\ufeff" + out.getvalue()).encode()


def as_xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "KPI"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def kpi(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, KpiQuery)
    tz = context.settings.timezone
    start, end = period(query.start, query.end, tz)
    report = (await kpi_report(context.sessions, start, end, tz)).json(tz)
    if query.format == "json":
        return JSONResponse(report)
    keys, rows = flat_rows(report)
    _ = translations(page_locale(request)).gettext
    header = [_(HEADERS[key]) if key in HEADERS else key for key in keys]
    sections = {"tickets", "calls", "total"}
    rows = [[_(HEADERS[row[0]]) if row[0] in sections else row[0], *row[1:]] for row in rows]
    name = f"kpi-{query.start.isoformat()}-{query.end.isoformat()}"
    if query.format == "csv":
        body, media, extension = as_csv(header, rows), "text/csv; charset=utf-8", "csv"
    else:
        body, media, extension = as_xlsx(header, rows), XLSX, "xlsx"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )


async def outages(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    query = parse_query(request, PeriodQuery)
    tz = context.settings.timezone
    async with context.sessions() as session:
        report = await outage_report(session, *period(query.start, query.end, tz), tz)
    return JSONResponse({"from": query.start.isoformat(), "to": query.end.isoformat(), **report})


ROUTES = [
    ApiRoute(
        "GET",
        "/api/reports/kpi",
        kpi,
        "KPIs per local month and department (tickets, callbacks) and per queue (calls) for "
        "local days `from` to `to`; `format=csv` or `xlsx` to download",
        REPORT_READERS,
        query=KpiQuery,
        responses={200: "the report", 422: "bad or reversed dates"},
        tag="reports",
    ),
    ApiRoute(
        "GET",
        "/api/reports/outages",
        outages,
        "Outages clocked in local days `from` to `to`: per month, notice lead time (share "
        "announced 48 h ahead), restored within 24 h, calls joined and let go by the voice menu, "
        "customers notified and reached by SMS, relighting done",
        REPORT_READERS,
        query=PeriodQuery,
        responses={200: "the report", 422: "bad or reversed dates"},
        tag="reports",
    ),
]
