"""The menu's log, written in batches off the caller's path: closing it (the server stopping)
while a batch is on its way to the database waits for that batch instead of losing it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from hotline.application.ivr import SessionRecord
from hotline.application.unit import CoreServices
from hotline.db.tables import IvrSession
from hotline.telephony.menu_log import MenuLog
from ivr import menu


def finished_session(core: CoreServices, number: int) -> SessionRecord:
    now = core.clock()
    caller = menu.Caller(
        number=f"+86138000000{number:02d}",
        customer_id=None,
        special_care=False,
        outages=(),
        now=now,
    )
    return SessionRecord(
        script="menu",
        linkedid=f"1700000000.{number}",
        caller=caller,
        started_at=now - timedelta(seconds=20),
        ended_at=now,
        journal=menu.Journal(keys=["1"]),
        ending=None,
    )


@asynccontextmanager
async def menu_log_table_held(database_url: str) -> AsyncIterator[None]:
    """Another connection holds the menu's log table (SQLite: the whole database) until the
    block ends: a write to it waits, as it would behind a long transaction."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("COMMIT")
            holder.close()
        return
    connection = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute("LOCK TABLE ivr_session IN EXCLUSIVE MODE")
    try:
        yield
    finally:
        await transaction.commit()
        await connection.close()


async def logged(core: CoreServices) -> list[str | None]:
    async with core.sessions() as session:
        rows = (await session.exec(select(IvrSession).order_by(col(IvrSession.id)))).all()
    return [row.linkedid for row in rows]


async def test_closing_while_a_batch_waits_on_the_database_loses_none_of_it(
    core: CoreServices,
) -> None:
    menu_log = MenuLog(core, batch_seconds=0.0)
    async with menu_log_table_held(core.settings.database_url):
        for number in range(3):
            menu_log.add(finished_session(core, number))
        # The writer takes the batch and waits on the table held above.
        await asyncio.sleep(0.3)
        closing = asyncio.create_task(menu_log.close())
        await asyncio.sleep(0.1)
    await closing
    assert await logged(core) == ["1700000000.0", "1700000000.1", "1700000000.2"]
