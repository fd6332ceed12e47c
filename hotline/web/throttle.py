"""Login throttling by (user name, address), with exponential backoff.

A pair may fail FREE_FAILURES times; after that each further failure doubles the wait before
the next try, up to MAX_WAIT_SECONDS. A stranger guessing from another address never slows an
agent signing in from their own desk, and one address behind a NAT (the whole call centre)
is never locked as a whole. The address is the peer's, or the X-Forwarded-For of a trusted
proxy only (HOTLINE_TRUSTED_PROXIES, applied by uvicorn: web/server.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

FREE_FAILURES = 3
FIRST_WAIT_SECONDS = 2.0
MAX_WAIT_SECONDS = 15 * 60.0
# A pair that has not failed for this long starts afresh.
FORGET_AFTER_SECONDS = 60 * 60.0


@dataclass
class _Failures:
    count: int
    last: float


@dataclass
class LoginThrottle:
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 50_000
    _failures: dict[tuple[str, str], _Failures] = field(default_factory=dict)

    def retry_after(self, username: str, address: str) -> float:
        """Seconds this pair must wait before trying again; 0 if it may try now."""
        entry = self._current((username.lower(), address))
        if entry is None:
            return 0.0
        return max(0.0, entry.last + wait_after(entry.count) - self.clock())

    def failed(self, username: str, address: str) -> None:
        key = (username.lower(), address)
        entry = self._current(key)
        if entry is None:
            if len(self._failures) >= self.max_keys:
                self._failures.clear()
            entry = self._failures[key] = _Failures(0, 0.0)
        entry.count += 1
        entry.last = self.clock()

    def succeeded(self, username: str, address: str) -> None:
        self._failures.pop((username.lower(), address), None)

    def _current(self, key: tuple[str, str]) -> _Failures | None:
        entry = self._failures.get(key)
        if entry is not None and self.clock() - entry.last > FORGET_AFTER_SECONDS:
            del self._failures[key]
            return None
        return entry


def wait_after(failures: int) -> float:
    """The wait after this many failures in a row: none for the first few, then doubling."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(FIRST_WAIT_SECONDS * 2.0 ** (failures - FREE_FAILURES), MAX_WAIT_SECONDS)
