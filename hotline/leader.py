"""Leadership: exactly one process runs the scheduler (or tracks a PBX's calls). On PostgreSQL a
session advisory lock held on a dedicated connection; on SQLite (one machine) an exclusive file
lock beside the database. Either is released by the operating system or the database when the
process dies; a PostgreSQL lock also when the database restarts, which its holder learns from
`still_held`."""

from __future__ import annotations

import contextlib
import fcntl
import os
import zlib
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def lock_key(name: str) -> int:
    return zlib.crc32(f"hotline:{name}".encode())


class Leadership:
    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._name = name
        self._connection: AsyncConnection | None = None
        self._file: IO[bytes] | None = None

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

    async def try_acquire(self) -> bool:
        if self.held:
            return True
        if self._engine.dialect.name == "postgresql":
            return await self._try_advisory_lock()
        return self._try_file_lock()

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
