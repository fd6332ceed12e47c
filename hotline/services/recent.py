"""A value read at most every `max_age` seconds and shared meanwhile: for what every call asks
and seldom changes (where gas is off, the callback offer's limit), so that a hundred callers a
second cost one read, not a hundred. `forget()` when it is known to have changed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Recent(Generic[T]):
    """Callers arriving while the value is read wait for that one read; a caller who hangs up
    meanwhile does not cancel it for the others. A failed read is tried again by the next
    caller."""

    def __init__(self, read: Callable[[], Awaitable[T]], max_age: float) -> None:
        self._read_value = read
        self._max_age = max_age
        self._known: tuple[float, T] | None = None
        self._reading: asyncio.Future[T] | None = None
        # Counts `forget()`s: a read that began before one is not kept.
        self._changes = 0

    def forget(self) -> None:
        """The value changed: the next caller reads it again."""
        self._known = None
        self._changes += 1

    def last_known(self) -> T | None:
        """The value last read, however old: for a caller that would rather have it than
        nothing while its source is away."""
        return self._known[1] if self._known is not None else None

    async def get(self) -> T:
        if self._known is not None and time.monotonic() - self._known[0] < self._max_age:
            return self._known[1]
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._read())
        return await asyncio.shield(self._reading)

    async def _read(self) -> T:
        started, changes = time.monotonic(), self._changes
        try:
            value = await self._read_value()
        finally:
            self._reading = None
        if changes == self._changes:
            self._known = (started, value)
        return value
