"""The menu's sessions written to its log off the caller's path. Asterisk goes on with the
dialplan only once our AGI session closes, so a session's row is not written while the caller
waits: it joins a batch written a moment later in one transaction (which also spares the
database a transaction per call on a busy evening)."""

from __future__ import annotations

import asyncio
import logging

from hotline.application import ivr as ivr_cases
from hotline.application.unit import Core

log = logging.getLogger(__name__)

# How long a finished session may wait for others to join its batch.
BATCH_SECONDS = 0.5


class MenuLog:
    def __init__(self, core: Core, batch_seconds: float = BATCH_SECONDS) -> None:
        self._core = core
        self._batch_seconds = batch_seconds
        self._pending: list[ivr_cases.SessionRecord] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        # One batch written at a time: a close waits for the write under way, not cancels it.
        self._writing = asyncio.Lock()

    def add(self, record: ivr_cases.SessionRecord) -> None:
        self._pending.append(record)
        self._wake.set()
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_batches(), name="menu log")

    async def _write_batches(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self._batch_seconds)
            self._wake.clear()
            # Shielded: closing stops the waiting, never a batch half-way to the database
            # (it would be lost: it has left the pending list).
            await asyncio.shield(self.flush())

    async def flush(self) -> None:
        async with self._writing:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                await ivr_cases.record_sessions(self._core, batch)
            except Exception:
                # The callers are long on their way; only the log of their sessions is lost.
                log.exception("%d menu sessions not logged", len(batch))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            self._writer = None
        await self.flush()
