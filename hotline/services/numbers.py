"""Drawing the next ticket number atomically, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.engine import dialect_name
from hotline.db.tables import TicketSequence
from hotline.db.writes import table_of
from tickets.numbering import format_number, sequence_key
from tickets.types import TicketType


@cache
def _draw(dialect: str) -> Any:
    table = table_of(TicketSequence)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .values(key=bindparam("sequence_key"), last=1)
        .on_conflict_do_update(index_elements=["key"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )


async def next_ticket_number(
    session: AsyncSession, ticket_type: TicketType, local_day: date
) -> str:
    key = sequence_key(ticket_type, local_day)
    connection = await session.connection()
    statement = _draw(dialect_name(session))
    sequence = (await connection.execute(statement, {"sequence_key": key})).scalar_one()
    return format_number(ticket_type, local_day, sequence)
