"""Password hashing with argon2id, off the event loop.

Argon2 is slow on purpose (tens of milliseconds of CPU); run on the event loop, thirty
concurrent wrong passwords stalled every other request for seconds. The async functions hash
in worker threads, at most HASHING_THREADS at a time: a burst of sign-ins queues for the
hasher while the loop keeps serving (benchmarks/login_burst.py)."""

from __future__ import annotations

import asyncio
import weakref

import anyio.to_thread
from anyio import CapacityLimiter
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# Each hash is single-threaded CPU work that releases the GIL; two leave a core for the rest.
HASHING_THREADS = 2

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
