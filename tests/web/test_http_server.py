"""`hotline serve`'s HTTP server (hotline/web/server.py) over real TCP: what its access log
keeps of a query, and how long it waits for a request's headers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from conftest import FakeClock, add_staff, app_settings
from ports import free_port

from hotline.web.app import create_app
from hotline.web.server import HotlineServer, without_query_values


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@asynccontextmanager
async def serving(database_url: str, clock: FakeClock, **settings: object) -> AsyncIterator[int]:
    """HotlineServer as `hotline serve` (one process, or each worker) runs it; its port."""
    port = free_port()
    config = app_settings(database_url, http_bind=("127.0.0.1", port), **settings)
    server = HotlineServer(create_app(config, clock=clock), config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


def test_the_access_log_keeps_query_names_not_values() -> None:
    assert without_query_values("/api/customers?phone=13800138000&page=2") == (
        "/api/customers?phone=…&page=…"
    )
    assert without_query_values("/api/tickets") == "/api/tickets"


async def test_a_phone_number_searched_for_stays_out_of_the_access_log(
    database_url: str, clock: FakeClock
) -> None:
    tokens = await add_staff(database_url, clock.now)
    kept = Kept()
    async with serving(database_url, clock) as port:
        access = logging.getLogger("uvicorn.access")
        access.addHandler(kept)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                response = await client.get(
                    "/api/customers",
                    params={"phone": "15900001234"},
                    headers={"Authorization": f"Bearer {tokens['agent']}"},
                )
        finally:
            access.removeHandler(kept)
    assert response.status_code == 200
    [line] = [line for line in kept.lines if "/api/customers" in line]
    assert "15900001234" not in line and "phone=…" in line


async def test_a_client_that_never_finishes_its_headers_is_disconnected(
    database_url: str, clock: FakeClock
) -> None:
    async with serving(database_url, clock, header_timeout_seconds=1) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /api/health HTTP/1.1\r\nHost: hotline\r\nX-Slow: ")
        await writer.drain()
        # Closed by the server: the read ends (a server without a deadline never answers).
        assert await asyncio.wait_for(reader.read(), timeout=15) == b""
        writer.close()
        # A client that sends its headers is served, also on a kept-alive connection.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(2):
            writer.write(b"GET /api/health HTTP/1.1\r\nHost: hotline\r\n\r\n")
            await writer.drain()
            assert (await reader.readline()).startswith(b"HTTP/1.1 200")
            while (await reader.readline()) != b"\r\n":
                pass
            await reader.read(len(b'{"status":"ok"}'))
        writer.close()
