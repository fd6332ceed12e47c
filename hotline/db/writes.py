"""Plain INSERTs for rows written once and not read back in the same transaction: the ORM's
unit of work costs more than the statement itself on the hot paths (ticket creation, audit)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


@cache
def _insert(model: type[SQLModel]) -> Insert:
    # Built once per table: building and cache-keying a statement per call shows in profiles.
    return table_of(model).insert()


@cache
def _insert_returning_id(model: type[SQLModel]) -> Insert:
    table = table_of(model)
    return table.insert().returning(table.c.id)


async def insert_returning_id(
    session: AsyncSession, model: type[SQLModel], values: dict[str, Any]
) -> int:
    connection = await session.connection()
    return int((await connection.execute(_insert_returning_id(model), values)).scalar_one())


async def insert_rows(
    session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]]
) -> None:
    if rows:
        connection = await session.connection()
        await connection.execute(_insert(model), list(rows) if len(rows) > 1 else rows[0])
