"""One call tracker per PBX across workers: the worker holding the telephony lease (a
PostgreSQL advisory lock on its own connection, hotline/leader.py) turns the PBX's events into
the call log and the screen pops; the others stand by with their AMI connections open for
actions. A holder that dies loses the lock with its connection, and another worker takes over
within a second or two, rebuilding the calls in progress from Asterisk (CoreShowChannels).

A restart of PostgreSQL ends the holder's lock too, but nobody can take it while the database
is away: the holder goes on tracking (the call log writer keeps what it cannot write yet) and
takes the lease back as soon as the database answers again. The others, having seen the
database away, leave it HANDBACK_SECONDS to do so before they try: a takeover would rebuild
the calls from Asterisk and lose what happened while the database was away."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.leader import Leadership
from hotline.telephony.service import Telephony

log = logging.getLogger(__name__)

# How often a worker standing by tries the lease, and the holder checks it still holds it.
CHECK_SECONDS = 0.5
# How often a holder whose lock went with the database tries to take it back.
REGAIN_SECONDS = 0.25
# After the database was away, how long a worker standing by leaves the holder to take the
# lease back before trying itself.
HANDBACK_SECONDS = 3.0


class TelephonyLease:
    def __init__(
        self,
        engine: AsyncEngine,
        telephony: Telephony,
        check_seconds: float = CHECK_SECONDS,
        handback_seconds: float = HANDBACK_SECONDS,
        leads_otherwise: Callable[[], bool] = lambda: False,
    ) -> None:
        self._leadership = Leadership(engine, "telephony", leads_otherwise)
        self._telephony = telephony
        self._check_seconds = check_seconds
        self._handback_seconds = handback_seconds
        self._task: asyncio.Task[None] | None = None
        # A worker standing by tries the lease from then on (monotonic clock).
        self._not_before = 0.0
        self.takeovers = 0
        self.taken_back = 0

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
        return {"held": self.held, "takeovers": self.takeovers, "taken_back": self.taken_back}

    async def _hold(self) -> None:
        while True:
            try:
                await self._check()
            except Exception as error:  # the database away: try again at the next check
                log.warning("telephony lease: %s", error)
                if not self._telephony.tracking:
                    self._not_before = time.monotonic() + self._handback_seconds
            regaining = self._telephony.tracking and not self._leadership.held
            await asyncio.sleep(REGAIN_SECONDS if regaining else self._check_seconds)

    async def _check(self) -> None:
        leadership = self._leadership
        if leadership.held:
            if await leadership.still_held():
                return
            log.warning("telephony lease: its lock went with its connection; taking it back")
            await leadership.forget()
        if self._telephony.tracking:
            # Ours until the database went away: tracking goes on until it answers again.
            if await leadership.try_acquire(defer=False):
                self.taken_back += 1
                log.info("telephony lease taken back: this worker still tracks the calls")
            else:
                log.warning("telephony lease lost: another worker takes over the calls")
                self._telephony.step_down()
            return
        if time.monotonic() >= self._not_before and await leadership.try_acquire():
            self.takeovers += 1
            log.info("telephony lease taken: this worker tracks the calls")
            await self._telephony.take_over()
