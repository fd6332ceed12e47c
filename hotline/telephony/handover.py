"""What a worker taking over the telephony lease learns from the call log besides the calls in
progress (writer.calls_in_progress): the calls the last holder saw end lately. The new holder
remembers them as ended (CallTracker.resume), so that the events it heard while standing by,
which overlap what the last holder saw, change nothing of a call already over."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow
from hotline.telephony.model import CallRecord
from hotline.telephony.writer import record_of

# As far back as a worker standing by remembers the PBX's events (service.HEARD_SECONDS), and
# more; calls are looked for by their start (indexed), up to a long call's length before.
ENDED_LOOK_BACK = timedelta(seconds=90)
STARTED_LOOK_BACK = timedelta(hours=12)
LIMIT = 5000


async def calls_ended_lately(
    sessions: async_sessionmaker[AsyncSession], server: str, now: datetime
) -> list[CallRecord]:
    async with sessions() as session:
        rows = await session.exec(
            select(CallRow)
            .where(
                col(CallRow.server) == server,
                col(CallRow.started_at) >= now - STARTED_LOOK_BACK,
                col(CallRow.ended_at) >= now - ENDED_LOOK_BACK,
            )
            .order_by(col(CallRow.ended_at))
            .limit(LIMIT)
        )
        return [record_of(row) for row in rows.all()]
