"""Our FastAGI server (HOTLINE_AGI_BIND): Asterisk connects here when its dialplan runs
AGI(agi://hotline:4573/<script>). Each connection is one call running one script.

The server never hangs up a caller it cannot serve. An unknown script, a script that fails, one
that stalls (the database away, a lock held too long) or a reply Asterisk never sends: the
server closes the connection without a HANGUP, Asterisk sets AGISTATUS=SUCCESS and the dialplan
goes on to its own menu or a queue. Only a script may end a call, and only deliberately (a
goodbye after finished self-service).

With `peers` (HOTLINE_AGI_PEERS: the PBX's host names or addresses) a connection from any other
address is closed unread: a FastAGI script records what a caller said, so only the PBX may run
one. The names are resolved at each connection (a PBX container restarted on a new address)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable, Collection

from ivr.agi import AgiChannel, AgiError, HungUp

log = logging.getLogger(__name__)

Script = Callable[[AgiChannel], Awaitable[None]]

# A script that keeps the caller in silence this long between two commands is abandoned and
# the call handed back to the dialplan: a caller should not wait on our database.
THINK_LIMIT = 3.0
_WATCH_EVERY = 0.25


class FastAgiServer:
    def __init__(
        self,
        host: str,
        port: int,
        scripts: dict[str, Script],
        *,
        think_limit: float = THINK_LIMIT,
        peers: Collection[str] = (),
    ) -> None:
        self._peers = tuple(peers)
        self._host = host
        self._port = port
        self._scripts = scripts
        self._think_limit = think_limit
        self._server: asyncio.Server | None = None
        self._calls: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        # Every web worker serves FastAGI on the same port: the kernel spreads the calls.
        self._server = await asyncio.start_server(
            self._accept, self._host, self._port, reuse_port=True
        )
        log.info("FastAGI listening on %s:%d", self._host, self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._calls.add(task)
        channel = AgiChannel(reader, writer)
        try:
            if not await self._from_a_peer(writer):
                return
            await channel.read_headers()
            script = self._scripts.get(channel.script)
            if script is None:
                self._hand_back(channel, "no such script")
                return
            await self._run(script, channel)
        except HungUp:
            log.info("FastAGI %s: the caller hung up", channel.script)
        except AgiError as error:
            self._hand_back(channel, str(error))
        except Exception:
            log.exception("FastAGI script %r failed", channel.script)
            self._hand_back(channel, "the script failed")
        finally:
            await channel.close()
            self._calls.discard(task)

    async def _from_a_peer(self, writer: asyncio.StreamWriter) -> bool:
        if not self._peers:
            return True
        address = str(writer.get_extra_info("peername")[0])
        loop = asyncio.get_running_loop()
        allowed: set[str] = set()
        for peer in self._peers:
            try:
                found = await loop.getaddrinfo(peer, None, proto=socket.IPPROTO_TCP)
            except OSError:
                continue
            allowed |= {str(entry[4][0]) for entry in found}
        if address in allowed:
            return True
        log.warning("FastAGI connection from %s, not the PBX: closed", address)
        return False

    async def _run(self, script: Script, channel: AgiChannel) -> None:
        """Run the script, abandoning it when it leaves the caller in silence too long."""
        running = asyncio.ensure_future(script(channel))
        loop = asyncio.get_running_loop()
        try:
            while True:
                done, _ = await asyncio.wait({running}, timeout=_WATCH_EVERY)
                if done:
                    running.result()
                    return
                since = channel.thinking_since
                if since is not None and loop.time() - since > self._think_limit:
                    self._hand_back(channel, f"the script was silent over {self._think_limit} s")
                    return
        finally:
            if not running.done():
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)

    @staticmethod
    def _hand_back(channel: AgiChannel, why: str) -> None:
        """Say why the call is handed back: the session then closes without a HANGUP, and
        Asterisk carries on with the dialplan's next step."""
        log.warning("FastAGI %r: %s; the call goes on in the dialplan", channel.script, why)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for call in list(self._calls):
            call.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)
