"""A connection without a socket: two ends in memory, each a reader and a writer as asyncio's
streams have them, so the fake Asterisk and the AMI client can talk in one process with no
port at all (the client's `connect` factory hands it one end).

Closing either end closes the connection for both, as a socket does: both readers see the end
of the stream, later writes go nowhere and draining them fails."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class _Link:
    closed: bool = False
    readers: list[asyncio.StreamReader] = field(default_factory=list)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            for reader in self.readers:
                reader.feed_eof()


class MemoryWriter:
    def __init__(self, link: _Link, peer: asyncio.StreamReader) -> None:
        self._link = link
        self._peer = peer

    def write(self, data: bytes) -> None:
        if not self._link.closed:
            self._peer.feed_data(data)

    async def drain(self) -> None:
        if self._link.closed:
            raise ConnectionResetError("the in-memory connection is closed")
        # Let the other end read, as a socket's buffer would.
        await asyncio.sleep(0)

    def close(self) -> None:
        self._link.close()

    def is_closing(self) -> bool:
        return self._link.closed


End = tuple[asyncio.StreamReader, MemoryWriter]


def memory_connection() -> tuple[End, End]:
    """Two connected ends: what one end writes, the other reads."""
    first, second = asyncio.StreamReader(), asyncio.StreamReader()
    link = _Link(readers=[first, second])
    return (first, MemoryWriter(link, second)), (second, MemoryWriter(link, first))
