"""Our FastAGI server (HOTLINE_AGI_BIND): Asterisk connects here when its dialplan runs
AGI(agi://hotline:4573/<script>). Each connection is one call running one script; a script
that fails or a caller who hangs up ends that call only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ivr.agi import AgiChannel, AgiError, HungUp

log = logging.getLogger(__name__)

Script = Callable[[AgiChannel], Awaitable[None]]


class FastAgiServer:
    def __init__(self, host: str, port: int, scripts: dict[str, Script]) -> None:
        self._host = host
        self._port = port
        self._scripts = scripts
        self._server: asyncio.Server | None = None
        self._calls: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self._host, self._port)
        log.info("FastAGI listening on %s:%d", self._host, self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._calls.add(task)
        channel = AgiChannel(reader, writer)
        try:
            await channel.read_headers()
            script = self._scripts.get(channel.script)
            if script is None:
                log.warning("FastAGI: no script %r", channel.script)
                await channel.hangup()
                return
            await script(channel)
        except HungUp:
            log.info("FastAGI %s: the caller hung up", channel.script)
        except AgiError as error:
            log.warning("FastAGI %s: %s", channel.script, error)
        except Exception:
            log.exception("FastAGI script %s failed", channel.script)
        finally:
            await channel.close()
            self._calls.discard(task)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for call in list(self._calls):
            call.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)
