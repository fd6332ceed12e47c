"""Leadership: exactly one process runs the scheduler (or tracks a PBX's calls). On PostgreSQL a
session advisory lock held on a dedicated connection; on SQLite (one machine) an exclusive file
lock beside the database. Either is released by the operating system or the database when the
process dies; a PostgreSQL lock also when the database restarts, which its holder learns from
`still_held`.

With several workers the leaderships are spread: a worker already holding one leaves a free
other one to the workers holding none for DEFER_SECONDS before it takes it itself. The scheduler's
sweeps then never run on the loop that turns the PBX's events into screen pops when another
worker can run them, and killing one worker takes away one leadership, not both at once."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# Longer than a standby's check interval (telephony 0.5 s, scheduler 1 s), so that a worker with
# nothing else to lead comes first; short enough to leave a single worker within the 5 s target.
DEFER_SECONDS = 2.0


def lock_key(name: str) -> int:
    return zlib.crc32(f"hotline:{name}".encode())


class Leadership:
    def __init__(
        self,
        engine: AsyncEngine,
        name: str,
        leads_otherwise: Callable[[], bool] = lambda: False,
        defer_seconds: float = DEFER_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._name = name
        self._connection: AsyncConnection | None = None
        self._file: IO[bytes] | None = None
        # Whether this worker already holds another leadership (it then defers, see above).
        self._leads_otherwise = leads_otherwise
        self._defer_seconds = defer_seconds
        self._monotonic = monotonic
        # Since when this worker, leading otherwise, has seen the lock free.
        self._free_since: float | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._file is not None

    @property
    def connection(self) -> AsyncConnection | None:
        """The connection holding the advisory lock (PostgreSQL): the lock lives as long as it."""
        return self._connection

    async def still_held(self) -> bool:
        """Whether the lock is still ours: on PostgreSQL its connection still answers (the lock
        ends with it: a restart of the database takes it away); a file lock stays until
        released. The check's transaction is ended, so that the connection holding the lock
        never sits idle in a transaction, holding back vacuum."""
        if self._connection is None:
            return self._file is not None
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            return False
        return True

    async def forget(self) -> None:
        """The lock's connection is gone, and the lock with it: let go of what is left."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.invalidate()
            self._connection = None

    async def try_acquire(self, defer: bool = True) -> bool:
        """Take the leadership if it is free — unless this worker leads otherwise and the lock
        has been free for less than the deference (`defer=False`: a holder taking back its own
        leadership after the database came back never waits)."""
        if self.held:
            return True
        if self._engine.dialect.name != "postgresql":
            # SQLite: one process, nobody to leave it to.
            return self._try_file_lock()
        if defer and self._leads_otherwise():
            if await self._held_elsewhere():
                self._free_since = None
                return False
            now = self._monotonic()
            if self._free_since is None:
                self._free_since = now
            if now - self._free_since < self._defer_seconds:
                return False
        self._free_since = None
        return await self._try_advisory_lock()

    async def _held_elsewhere(self) -> bool:
        async with self._engine.connect() as connection:
            # pg_try_advisory_lock(bigint) shows in pg_locks with the key's low half as objid
            # (our keys are CRC-32s: the high half is 0).
            held = (
                await connection.execute(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                        "AND granted AND classid = 0 AND objid::text::bigint = :key)"
                    ),
                    {"key": lock_key(self._name)},
                )
            ).scalar_one()
            await connection.commit()
        return bool(held)

    async def _try_advisory_lock(self) -> bool:
        connection = await self._engine.connect()
        try:
            got = (
                await connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(self._name)}
                )
            ).scalar_one()
            await connection.commit()
        except BaseException:
            # The database went away mid-way: this connection is no use to the pool either.
            await connection.invalidate()
            raise
        if got:
            self._connection = connection
        else:
            await connection.close()
        return bool(got)

    def _lock_path(self) -> Path:
        database = self._engine.url.database or ""
        if not database or database == ":memory:":
            return Path(f"/tmp/hotline-{os.getuid()}-{self._name}.lock")  # noqa: S108
        return Path(f"{database}.{self._name}.lock")

    def _try_file_lock(self) -> bool:
        handle = self._lock_path().open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    async def release(self) -> None:
        if self._connection is not None:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(self._name)}
            )
            await self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
