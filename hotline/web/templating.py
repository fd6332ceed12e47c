"""Server-rendered pages: Jinja2 with autoescaping, and gettext per request (the language of
the person reading, not of the process)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from gettext import NullTranslations
from typing import Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from hotline.i18n import SUPPORTED, pick_locale, translations
from hotline.services.actor import Actor
from hotline.web.session import csrf_token
from tickets.sla import ClockName
from tickets.types import SUBTYPES, Priority, TicketType
from tickets.workflow import CREW_ADMINS, Role, Status

# The top-level templates/ folder, installed as this package (pyproject.toml's package-dir):
# found through the import system, so a wheel or the image serves the copy installed with it.
TEMPLATES_PACKAGE = "hotline.templates"
LANGUAGE_COOKIE = "lang"

_translations: ContextVar[NullTranslations | None] = ContextVar("translations", default=None)


def _current() -> NullTranslations:
    return _translations.get() or translations("zh_CN")


environment = Environment(
    loader=PackageLoader(TEMPLATES_PACKAGE, "."),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=lambda message: _current().gettext(message),
    ngettext=lambda one, many, n: _current().ngettext(one, many, n),
    newstyle=True,
)


def current_gettext() -> Callable[[str], str]:
    """gettext in the language of the page being rendered."""
    return _current().gettext


def activate(request: Request) -> str:
    """Render in the reader's language from here on; the locale chosen."""
    locale = page_locale(request)
    _translations.set(translations(locale))
    return locale


def page_locale(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in SUPPORTED:
        return chosen
    return pick_locale(request.headers.get("accept-language"))


# What each role finds in the navigation: only pages it may use.
NAVIGATION: list[tuple[str, str, frozenset[Role]]] = [
    ("/", "Desk", frozenset({Role.AGENT})),
    ("/tickets", "Tickets", frozenset(Role)),
    ("/calls", "Calls", frozenset(Role)),
    ("/customers", "Customers", frozenset(Role) - {Role.TECHNICIAN}),
    ("/wallboard", "Wallboard", frozenset({Role.SUPERVISOR, Role.ADMIN})),
    ("/dispatch", "Dispatch", frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})),
    ("/incidents", "Outages", frozenset(Role)),
    ("/my-work", "My work", frozenset({Role.TECHNICIAN})),
    ("/callbacks", "Callbacks", frozenset({Role.QUALITY, Role.SUPERVISOR, Role.ADMIN})),
    (
        "/ringbacks",
        "Ring-backs",
        frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER}),
    ),
    ("/sms", "SMS outbox", frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})),
    ("/reports", "Reports", frozenset({Role.QUALITY, Role.SUPERVISOR, Role.ADMIN})),
    ("/admin/calendar", "Calendar", frozenset({Role.SUPERVISOR})),
    # Admins find it among the admin pages.
    ("/admin/crews", "Crews", CREW_ADMINS - {Role.ADMIN}),
    ("/admin", "Admin", frozenset({Role.ADMIN})),
]


@cache
def domain_labels(locale: str) -> dict[str, str]:
    """Ticket types, subtypes, statuses and clock names in `locale`: looked up once, not once
    per cell of a fifty-row list."""
    words = {*TicketType, *(name for names in SUBTYPES.values() for name in names)}
    words |= {*Status, *ClockName, *Priority}
    catalogue = translations(locale)
    return {str(word): catalogue.gettext(str(word)) for word in words}


def render(
    request: Request,
    template: str,
    values: dict[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    status: int = 200,
) -> HTMLResponse:
    locale = activate(request)
    context = {
        "request": request,
        "actor": actor,
        "locale": locale,
        "csrf_token": csrf_token(request),
        "navigation": [
            (path, label) for path, label, roles in NAVIGATION if actor and actor.role in roles
        ],
        "now": datetime.now(),
        "labels": domain_labels(locale),
        **(values or {}),
    }
    return PageResponse(environment.get_template(template), context, status)


class PageResponse(HTMLResponse):
    """A page rendered when it is sent, in a worker thread: a long list's template would
    otherwise hold the event loop for tens of milliseconds while screen pops wait on it
    (benchmarks/outage_evening.py). The thread sees the request's language (the context is
    copied to it)."""

    def __init__(self, template: Template, context: dict[str, Any], status: int) -> None:
        self._template = template
        self._context = context
        super().__init__(b"", status_code=status, headers={"Cache-Control": "no-store"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.body = self.render(await asyncio.to_thread(self._template.render, self._context))
        length = (b"content-length", str(len(self.body)).encode("latin-1"))
        self.raw_headers = [
            *(header for header in self.raw_headers if header[0] != b"content-length"),
            length,
        ]
        await super().__call__(scope, receive, send)
