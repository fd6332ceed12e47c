"""Failed sign-ins in the database (auth/throttle.py has the rules): every worker reads and
counts the same rows, so N workers do not allow N times the guesses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.auth import throttle
from hotline.db.tables import LoginFailure

# The row that counts every failure from an address, whatever the name.
ANY_NAME = ""


async def retry_after(session: AsyncSession, username: str, address: str, now: datetime) -> float:
    """Seconds this (name, address) must wait before trying again; 0 if it may try now."""
    rows = (
        await session.exec(
            select(LoginFailure).where(
                col(LoginFailure.address) == address,
                col(LoginFailure.username).in_((username.lower(), ANY_NAME)),
            )
        )
    ).all()
    found = {row.username: row for row in rows}
    pair = found.get(username.lower())
    wait = 0.0
    if pair is not None:
        wait = throttle.remaining(
            pair.failures, pair.last_failed_at, now, throttle.wait_after(pair.failures)
        )
        if throttle.is_known(pair.last_success_at, now):
            return wait
    spray = found.get(ANY_NAME)
    if spray is not None:
        wait = max(
            wait,
            throttle.remaining(
                spray.failures,
                spray.last_failed_at,
                now,
                throttle.address_wait_after(spray.failures),
            ),
        )
    return wait


async def failed(session: AsyncSession, username: str, address: str, now: datetime) -> None:
    """One more failure for the pair and for the address (a count forgotten starts afresh)."""
    for name in (username.lower(), ANY_NAME):
        await _count(session, name, address, now)


async def succeeded(session: AsyncSession, username: str, address: str, now: datetime) -> None:
    """The pair starts afresh, and the name is known at the address."""
    await _upsert(
        session,
        {"username": username.lower(), "address": address, "failures": 0},
        {"failures": 0, "last_success_at": now},
        now,
        success=True,
    )


async def _count(session: AsyncSession, name: str, address: str, now: datetime) -> None:
    table = LoginFailure.__table__  # type: ignore[attr-defined]
    stale = col(LoginFailure.last_failed_at) < now - throttle.FORGET_AFTER
    await _upsert(
        session,
        {"username": name, "address": address, "failures": 1, "last_failed_at": now},
        {
            "failures": case((stale, 1), else_=table.c.failures + 1),
            "last_failed_at": now,
        },
        now,
    )


async def _upsert(
    session: AsyncSession,
    values: dict[str, object],
    on_conflict: dict[str, object],
    now: datetime,
    *,
    success: bool = False,
) -> None:
    """Insert the row, or update it if another request (any worker) has made it already."""
    connection = await session.connection()
    if success:
        values = {**values, "last_success_at": now}
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(LoginFailure).values(**values)
    await connection.execute(
        statement.on_conflict_do_update(index_elements=["username", "address"], set_=on_conflict)
    )
