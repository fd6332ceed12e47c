"""Drawing the next ticket number atomically, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.engine import upsert_insert
from hotline.db.tables import TicketSequence
from tickets.numbering import format_number, sequence_key
from tickets.types import TicketType


async def next_ticket_number(
    session: AsyncSession, ticket_type: TicketType, local_day: date
) -> str:
    key = sequence_key(ticket_type, local_day)
    table = TicketSequence.__table__  # type: ignore[attr-defined]
    insert = upsert_insert(session)
    statement = (
        insert(table)
        .values(key=key, last=1)
        .on_conflict_do_update(index_elements=["key"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    sequence = (await (await session.connection()).execute(statement)).scalar_one()
    return format_number(ticket_type, local_day, sequence)
