"""The screen pop with the database away (PostgreSQL restarting, benchmarks/chaos.py): the
agent who answers still gets the call at once, with what the call itself says and word that the
caller's file cannot be read, instead of nothing; back to the whole file once it is back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from conftest import add_customer, answered_call
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.application.unit import CoreServices
from hotline.telephony.screenpop import ScreenPop

CALLER = "+8613800138001"
ANSWERED = datetime(2026, 11, 20, 2, 0, 30, tzinfo=UTC)


@asynccontextmanager
async def database_away(core: CoreServices) -> AsyncIterator[None]:
    """The application's database refuses every connection until the block ends: SQLite's
    file gone (a fresh connection finds no tables), PostgreSQL's database closed to
    connections with its sessions ended."""
    engine = core.sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    url = make_url(core.settings.database_url)
    await engine.dispose()
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        hidden = path.with_name(path.name + ".away")
        path.rename(hidden)
        try:
            yield
        finally:
            await engine.dispose()
            Path(str(url.database)).unlink(missing_ok=True)
            hidden.rename(path)
        return
    admin = await asyncpg.connect(
        url.set(drivername="postgresql", database="postgres").render_as_string(False)
    )
    name = url.database
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


async def test_with_the_database_away_the_agent_still_gets_the_call_and_is_told(
    core: CoreServices,
) -> None:
    await add_customer(
        core, account="GS11", name="赵磊", phone=CALLER, address="北区 光明路 20号", area="北区"
    )
    pop = ScreenPop(core.sessions, core.settings)
    whole = await pop.payload(answered_call(ANSWERED))
    assert whole is not None
    assert (whole["user"], whole["file_unavailable"]) == ("agent", False)
    assert whole["customer"]["name"] == "赵磊"

    async with database_away(core):
        without = await pop.payload(answered_call(ANSWERED))
        # Everyone's phone was read with the first pop: an agent who has had no call yet.
        first_of_theirs = await pop.payload(answered_call(ANSWERED, "PJSIP/8002"))

    assert without is not None
    # To the agent last known on the phone, with the call as Asterisk told it.
    assert without["user"] == "agent"
    assert without["call"] == whole["call"]
    assert without["suggested"] == whole["suggested"]
    # Not "unknown caller" (that would ask for a new file): the file could not be read.
    assert (without["file_unavailable"], without["unknown_caller"], without["customer"]) == (
        True,
        False,
        None,
    )
    assert first_of_theirs is not None
    assert (first_of_theirs["user"], first_of_theirs["file_unavailable"]) == ("agent2", True)
    again = await pop.payload(answered_call(ANSWERED))
    assert again == whole
