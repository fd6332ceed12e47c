"""What every HTTP request passes before any route sees it, and what every answer carries:

- a body is read at most up to MAX_BODY_BYTES: a longer one is refused with 413 as soon as it is
  announced (Content-Length) or as soon as the bytes received pass the limit, never buffered;
- a NUL byte in the path, the query string or a form field is refused with 422 (PostgreSQL
  cannot store one, and SQLite's LIKE stops at it: `text=%00` matched every ticket);
- the browser may not frame our pages, sniff a type or keep a copy of what we answered.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware, which would buffer streamed
answers such as the live feed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.i18n import N_
from hotline.web.errors import error_response

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


class BodyTooLarge(Exception):
    """The client sent more than the limit: the route stops reading, the guard answers 413."""


def has_nul(raw: bytes) -> bool:
    """A NUL byte, percent-encoded or not (`%00` as a URL or a form encodes it)."""
    return b"\x00" in raw or b"%00" in raw


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(scope, send)
        request = Request(scope)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await _refuse(scope, send, 413, "too_large", TOO_LARGE_MESSAGE)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if has_nul(raw_path) or has_nul(scope.get("query_string", b"")):
            await _refuse(scope, send, 422, "nul_character", NUL_MESSAGE)
            return
        receive = self._limited(receive)
        if request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM_TYPE:
            try:
                body = await _read_all(receive)
            except BodyTooLarge:
                await _refuse(scope, send, 413, "too_large", TOO_LARGE_MESSAGE)
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
            await _refuse(scope, send, 413, "too_large", TOO_LARGE_MESSAGE)

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
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
    response = error_response(Request(scope), status, code, message)
    await response(scope, _no_receive, send)


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
