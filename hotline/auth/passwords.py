"""Password hashing with argon2id, off the event loop.

Argon2 is slow on purpose (tens of milliseconds of CPU); run on the event loop, thirty
concurrent wrong passwords stalled every other request for seconds. The async functions hash
in worker threads, at most HASHING_THREADS at a time: a burst of sign-ins queues for the
hasher while the loop keeps serving (benchmarks/login_burst.py)."""

from __future__ import annotations

import asyncio
import os
import weakref

import anyio.to_thread
from anyio import CapacityLimiter
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# Hashing is CPU work that releases the GIL: at most one thread per core but one, so that a
# core is left for the event loop (and at most four: sign-ins are rare, bursts are attacks).
HASHING_THREADS = max(1, min(4, (os.cpu_count() or 2) - 1))

_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


class WeakPassword(ValueError):
    pass


def check_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _limiter() -> CapacityLimiter:
    """One bounded pool per event loop (each test runs its own loop)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(HASHING_THREADS)
    return limiter


async def hash_password_off_loop(password: str) -> str:
    check_policy(password)
    return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=_limiter())


async def verify_password_off_loop(password_hash: str, password: str) -> bool:
    return await anyio.to_thread.run_sync(
        verify_password, password_hash, password, limiter=_limiter()
    )
