"""A deadline for a request's headers. uvicorn waits for them as long as a client keeps the
connection open (its keep-alive timer only runs between requests, and any byte stops it): a
few hundred clients trickling a header byte now and then would hold every connection.

The connection closes when a request's headers have not all arrived `seconds` after the
connection opened or the previous answer ended. Mixed into whichever HTTP protocol uvicorn's
"auto" would pick (httptools when installed, else h11)."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class _HeaderDeadline:
    header_timeout: float = 10.0
    _deadline: asyncio.TimerHandle | None = None
    _cycle_when_armed: object = None

    # Provided by the uvicorn protocol this is mixed into.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any

    def _arm(self) -> None:
        self._disarm()
        self._cycle_when_armed = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        # A new request/response cycle begins once its headers are complete.
        if self._deadline is not None and self.cycle is not self._cycle_when_armed:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]


def header_timeout_protocol(seconds: float) -> type[asyncio.Protocol]:
    base: type[asyncio.Protocol] = H11Protocol
    if importlib.util.find_spec("httptools") is not None:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol
    return type("HeaderDeadlineProtocol", (_HeaderDeadline, base), {"header_timeout": seconds})
