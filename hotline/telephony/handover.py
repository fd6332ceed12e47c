"""What a worker taking over the telephony lease learns from the call log: the calls the last
holder left in progress, with what it knew of them and when it last wrote each, and those it
saw end lately. The new holder folds what comes next into these (CallTracker.adopt), never into
a poorer picture rebuilt from Asterisk alone: the events it heard while standing by, which
overlap what the last holder saw, then change nothing of a call already ended."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow
from hotline.telephony.model import CallRecord, Direction, Disposition

# Open rows older than this are another story (a crash long ago), not the last holder's calls.
LOOK_BACK = timedelta(hours=12)
# Ended calls as far back as a worker standing by remembers the PBX's events, and more.
ENDED_LOOK_BACK = timedelta(seconds=90)
# More than a PBX has calls up at once, or ends in ENDED_LOOK_BACK.
LIMIT = 5000


async def calls_to_take_over(
    sessions: async_sessionmaker[AsyncSession], servers: list[str], now: datetime
) -> dict[str, list[tuple[CallRecord, datetime]]]:
    """Per PBX, the calls the call log shows in progress or ended lately, each with when it
    was last written."""
    async with sessions() as session:
        rows = (
            await session.exec(
                select(CallRow)
                .where(
                    col(CallRow.server).in_(servers),
                    col(CallRow.started_at) >= now - LOOK_BACK,
                    or_(
                        col(CallRow.ended_at).is_(None),
                        col(CallRow.ended_at) >= now - ENDED_LOOK_BACK,
                    ),
                )
                .order_by(col(CallRow.started_at))
                .limit(LIMIT)
            )
        ).all()
    left: dict[str, list[tuple[CallRecord, datetime]]] = defaultdict(list)
    for row in rows:
        left[row.server].append((_record(row), row.updated_at))
    return left


def _record(row: CallRow) -> CallRecord:
    return CallRecord(
        linkedid=row.linkedid,
        server=row.server,
        direction=Direction(row.direction),
        caller=row.caller,
        dialled=row.dialled,
        ivr_choice=row.ivr_choice,
        queue=row.queue,
        agent_name=row.agent_name,
        agent_interface=row.agent_interface,
        started_at=row.started_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        wait_seconds=row.wait_seconds,
        talk_seconds=row.talk_seconds,
        disposition=Disposition(row.disposition) if row.disposition else None,
        customer_id=row.customer_id,
        originate_action_id=row.originate_action_id,
    )
