"""`/outages`: current and planned gas outages for the public — the utility's website and
WeChat account read the JSON (`/outages.json`) and Atom (`/outages.atom`) feeds. No login, and
nothing personal: areas, cause, times and status only, never the accounts affected."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hotline.db.tables import Incident
from hotline.i18n import translations
from hotline.services import incidents as service
from hotline.web.api.render import iso
from hotline.web.context import context_of
from hotline.web.templating import page_locale, render
from tickets import incidents as rules

ATOM = "http://www.w3.org/2005/Atom"
# Feeds are polled: a minute's staleness is fine and spares the database.
CACHE = {"Cache-Control": "public, max-age=60"}


def last_change(incident: Incident) -> datetime:
    steps = (incident.started_at, incident.restored_at, incident.relit_at, incident.closed_at)
    return max((t for t in steps if t is not None), default=incident.announced_at)


def public_json(incident: Incident, tz: ZoneInfo) -> dict[str, Any]:
    """What anyone may read of an outage."""
    return {
        "id": incident.id,
        "title": incident.title,
        "kind": incident.kind,
        "cause": incident.cause,
        "areas": list(incident.areas),
        # Outages named by account only are told to those customers, not listed by address.
        "by_account_only": not incident.areas,
        "status": incident.status,
        "planned_start": iso(incident.planned_start, tz),
        "planned_end": iso(incident.planned_end, tz),
        "reported_at": iso(incident.reported_at, tz),
        "expected_restoration": iso(rules.expected_back(service.plan_of(incident)), tz),
        "announced_at": iso(incident.announced_at, tz),
        "updated_at": iso(last_change(incident), tz),
    }


async def _current(request: Request) -> tuple[list[Incident], ZoneInfo]:
    context = context_of(request)
    async with context.sessions() as session:
        found = await service.list_incidents(session, sorted(rules.PUBLIC))
    return found, context.settings.timezone


async def page(request: Request) -> Response:
    found, tz = await _current(request)
    return render(request, "outages.html", {"outages": [public_json(i, tz) for i in found]})


async def as_json(request: Request) -> Response:
    found, tz = await _current(request)
    return JSONResponse({"items": [public_json(i, tz) for i in found]}, headers=CACHE)


async def as_atom(request: Request) -> Response:
    found, tz = await _current(request)
    _ = translations(page_locale(request)).gettext
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    base = str(request.base_url).rstrip("/")

    def add(parent: ElementTree.Element, tag: str, text: str | None = None) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}")
        element.text = text
        return element

    add(feed, "title", _("Gas outages"))
    add(feed, "id", f"{base}/outages")
    link = add(feed, "link")
    link.set("href", f"{base}/outages")
    updated = max((last_change(i) for i in found), default=context_of(request).clock())
    add(feed, "updated", updated.astimezone(tz).isoformat())
    author = add(feed, "author")
    add(author, "name", _("Gas service hotline"))
    for incident in found:
        shown = public_json(incident, tz)
        entry = add(feed, "entry")
        add(entry, "id", f"{base}/outages#{incident.id}")
        add(entry, "title", f"{incident.title} · {_(incident.status)}")
        add(entry, "updated", shown["updated_at"])
        add(entry, "published", shown["announced_at"])
        place = "、".join(incident.areas) or _("customers told individually")
        lines = [
            f"{_('Areas')}: {place}",
            f"{_('Cause')}: {_(incident.cause)}",
            f"{_('Planned start')}: {shown['planned_start'] or shown['reported_at']}",
            f"{_('Expected restoration')}: {shown['expected_restoration']}",
        ]
        add(entry, "summary", "\n".join(lines))
        entry_link = add(entry, "link")
        entry_link.set("href", f"{base}/outages#{incident.id}")
    body = ElementTree.tostring(feed, encoding="unicode", xml_declaration=True)
    return Response(body, media_type="application/atom+xml", headers=CACHE)


ROUTES = [
    Route("/outages", page),
    Route("/outages.json", as_json),
    Route("/outages.atom", as_atom),
]
