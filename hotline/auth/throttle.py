"""Login throttling by (user name, address), with exponential backoff, and per address.

A pair may fail FREE_FAILURES times; after that each further failure doubles the wait before
the next try, up to MAX_WAIT_SECONDS. A stranger guessing from another address never slows an
agent signing in from their own desk, and one address behind a NAT (the whole call centre)
is never locked as a whole. The address is the peer's, or the X-Forwarded-For of a trusted
proxy only (HOTLINE_TRUSTED_PROXIES, applied by uvicorn: web/server.py).

One address spraying many names is slowed too, beyond a generous ADDRESS_FREE_FAILURES: but
never for a name that has signed in from that address within KNOWN_FOR, so the agents of a
call centre behind one NAT still get in. The counts live in the database
(services/login_failures.py), so every worker agrees."""

from __future__ import annotations

from datetime import datetime, timedelta

FREE_FAILURES = 3
FIRST_WAIT_SECONDS = 2.0
MAX_WAIT_SECONDS = 15 * 60.0
# A pair (or an address) that has not failed for this long starts afresh.
FORGET_AFTER = timedelta(hours=1)
# Failures from one address, whatever the names, before it is slowed for unknown names.
ADDRESS_FREE_FAILURES = 30
# A name that signed in from an address this recently is known there.
KNOWN_FOR = timedelta(days=30)


def wait_after(failures: int) -> float:
    """The wait after this many failures in a row: none for the first few, then doubling."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(FIRST_WAIT_SECONDS * 2.0 ** (failures - FREE_FAILURES), MAX_WAIT_SECONDS)


def address_wait_after(failures: int) -> float:
    """The wait for an unknown name after this many failures from one address."""
    return wait_after(failures - ADDRESS_FREE_FAILURES + FREE_FAILURES)


def remaining(failures: int, last_failed_at: datetime | None, now: datetime, wait: float) -> float:
    """Seconds left of `wait` after the last failure; 0 when forgotten or over."""
    if last_failed_at is None or failures == 0 or now - last_failed_at > FORGET_AFTER:
        return 0.0
    return max(0.0, (last_failed_at + timedelta(seconds=wait) - now).total_seconds())


def is_known(last_success_at: datetime | None, now: datetime) -> bool:
    return last_success_at is not None and now - last_success_at <= KNOWN_FOR
