"""Which workers serve one database. With several (`hotline serve --workers N`, several hosts),
every worker's event relay names its connections after the worker (PostgreSQL's
`application_name`): counting the names is counting the workers alive, and a worker that dies
drops out with its connections."""

from __future__ import annotations

import os
import socket

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

WORKER_PREFIX = "hotline worker "
# PostgreSQL keeps NAMEDATALEN - 1 bytes of an application_name.
NAME_BYTES = 63


def worker_name() -> str:
    name = f"{WORKER_PREFIX}{os.getpid()}@{socket.gethostname()}"
    return name.encode()[:NAME_BYTES].decode(errors="ignore")


async def other_workers(engine: AsyncEngine, me: str) -> int:
    """How many other workers are connected to this database now."""
    async with engine.connect() as connection:
        count = (
            await connection.execute(
                text(
                    "SELECT count(DISTINCT application_name) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name LIKE :workers "
                    "AND application_name <> :me"
                ),
                {"workers": WORKER_PREFIX + "%", "me": me},
            )
        ).scalar_one()
        await connection.commit()
    return int(count)
