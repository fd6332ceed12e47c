"""One call tracker per PBX across workers: the worker holding the telephony lease (a
PostgreSQL advisory lock on its own connection, hotline/leader.py) turns the PBX's events into
the call log and the screen pops; the others stand by with their AMI connections open for
actions. A holder that dies loses the lock with its connection, and another worker takes over
within a second or two, rebuilding the calls in progress from Asterisk (CoreShowChannels)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.leader import Leadership
from hotline.telephony.service import Telephony

log = logging.getLogger(__name__)

# How often a worker standing by tries the lease, and the holder checks it still holds it.
CHECK_SECONDS = 1.0


class TelephonyLease:
    def __init__(
        self, engine: AsyncEngine, telephony: Telephony, check_seconds: float = CHECK_SECONDS
    ) -> None:
        self._leadership = Leadership(engine, "telephony")
        self._telephony = telephony
        self._check_seconds = check_seconds
        self._task: asyncio.Task[None] | None = None
        self.takeovers = 0

    def start(self) -> None:
        self._telephony.step_down()
        self._task = asyncio.create_task(self._hold(), name="telephony lease")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._telephony.step_down()
        with contextlib.suppress(Exception):
            await self._leadership.release()

    @property
    def held(self) -> bool:
        return self._leadership.held

    def health(self) -> dict[str, Any]:
        return {"held": self.held, "takeovers": self.takeovers}

    async def _hold(self) -> None:
        while True:
            try:
                if not self._leadership.held:
                    if await self._leadership.try_acquire():
                        self.takeovers += 1
                        log.info("telephony lease taken: this worker tracks the calls")
                        await self._telephony.take_over()
                elif not await self._still_held():
                    log.warning("telephony lease lost: another worker takes over the calls")
                    self._telephony.step_down()
                    await self._leadership.forget()
            except Exception as error:  # the database away: try again at the next check
                log.warning("telephony lease: %s", error)
                if self._leadership.held and not await self._still_held():
                    self._telephony.step_down()
                    await self._leadership.forget()
            await asyncio.sleep(self._check_seconds)

    async def _still_held(self) -> bool:
        connection = self._leadership.connection
        if connection is None:
            return self._leadership.held
        try:
            await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True
