"""What every HTTP request passes before any route sees it, and what every answer carries:

- a body is read at most up to MAX_BODY_BYTES (a photo upload up to its own, larger limit:
  LARGER_BODIES): a longer one is refused with 413 — in the reader's language, as a page to a
  browser's form — as soon as it is announced (Content-Length) or as soon as the bytes received
  pass the limit, never buffered;
- a NUL byte in the path, the query string or a form field is refused with 422 (PostgreSQL
  cannot store one, and SQLite's LIKE stops at it: `text=%00` matched every ticket);
- the browser may not frame our pages, sniff a type or keep a copy of what we answered.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware, which would buffer streamed
answers such as the live feed)."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.i18n import N_, translations
from hotline.web.errors import error_response
from hotline.web.templating import page_locale
from tickets import photos

MAX_BODY_BYTES = 64 * 1024
NUL_MESSAGE = N_("the request contains a NUL character, which no field may hold")
TOO_LARGE_MESSAGE = N_("the request body is too large")
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class BodyLimit:
    """Routes that take more than MAX_BODY_BYTES: their own limit, enforced the same way, and
    what the refusal says."""

    paths: re.Pattern[str]
    max_bytes: int
    message: str


# A photo of the work, with what a form wraps around it: the API's, the ticket page's and
# the technician's card's uploads.
PHOTO_UPLOADS = BodyLimit(
    re.compile(r"/api/tickets/[^/]+/photos|/tickets/[^/]+/photos|/my-work/orders/[0-9]+/photo"),
    photos.MAX_PHOTO_BYTES + photos.UPLOAD_ENVELOPE_BYTES,
    photos.PHOTO_TOO_LARGE,
)
LARGER_BODIES = (PHOTO_UPLOADS,)


class BodyTooLarge(Exception):
    """The client sent more than the limit: the route stops reading, the guard answers 413."""


def has_nul(raw: bytes) -> bool:
    """A NUL byte, percent-encoded or not (`%00` as a URL or a form encodes it)."""
    return b"\x00" in raw or b"%00" in raw


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def _limit(self, path: str) -> tuple[int, str]:
        """The most this path's body may hold, and what a longer one is told."""
        for larger in LARGER_BODIES:
            if larger.paths.fullmatch(path):
                return larger.max_bytes, larger.message
        return self.max_body_bytes, TOO_LARGE_MESSAGE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(scope, send)
        request = Request(scope)
        limit, too_large = self._limit(scope["path"])
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, 413, "too_large", too_large)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if has_nul(raw_path) or has_nul(scope.get("query_string", b"")):
            await _refuse(scope, send, 422, "nul_character", NUL_MESSAGE)
            return
        receive = _limited(receive, limit)
        if request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM_TYPE:
            try:
                body = await _read_all(receive)
            except BodyTooLarge:
                await _refuse(scope, send, 413, "too_large", too_large)
                return
            if has_nul(body):
                await _refuse(scope, send, 422, "nul_character", NUL_MESSAGE)
                return
            receive = _replay(body)
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, send, 413, "too_large", too_large)


def _limited(receive: Receive, limit: int) -> Receive:
    received = 0

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
        return message

    return limited


async def _read_all(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    request = Request(scope)
    response: Response
    if _wants_a_page(request):
        response = _refusal_page(request, status, message)
    else:
        response = error_response(request, status, code, message)
    await response(scope, _no_receive, send)


def _wants_a_page(request: Request) -> bool:
    """A console form posted by the browser (it asks for HTML), not the API or a script."""
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        "/api/"
    )


def _refusal_page(request: Request, status: int, message: str) -> HTMLResponse:
    """The reason in the reader's language and the way back to the page the form was on (the
    guard answers before the session is read: no console page around it)."""
    locale = page_locale(request)
    _ = translations(locale).gettext
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc == request.headers.get("host", "") and referer.path.startswith("/")
    back = referer.path if same_site and not referer.path.startswith("//") else "/"
    lang = "zh-CN" if locale == "zh_CN" else "en"
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{status}</title><link rel="stylesheet" href="/static/console.css"></head>'
        f'<body><main><section class="card"><p class="error" role="alert">'
        f"{html.escape(_(message))}</p>"
        f'<p><a href="{html.escape(back)}">{html.escape(_("Back"))}</a></p>'
        "</section></main></body></html>"
    )
    return HTMLResponse(page, status_code=status)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _with_headers(scope: Scope, send: Send) -> Callable[[Message], Awaitable[None]]:
    """Add the security headers to every answer; and `Cache-Control: no-store` to every
    answer but the static files (the API and the pages show personal data: customers,
    calls, tickets), unless the route said otherwise."""
    static = scope["path"].startswith("/static/")

    async def sending(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {name.lower() for name, _ in headers}
            headers += [(name, value) for name, value in SECURITY_HEADERS if name not in names]
            if not static and b"cache-control" not in names:
                headers.append((b"cache-control", b"no-store"))
            message["headers"] = headers
        await send(message)

    return sending
