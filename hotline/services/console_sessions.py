"""Console sessions kept in the database: begun at sign-in, found by the digest of the
cookie's random id, ended at sign-out, when idle too long, 12 hours after sign-in (however
active), or when the user's password is reset or the user deactivated. Every worker reads the
same rows, so a session ended on one is ended on all."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import ConsoleSession, User

# A session lasts a working day at most, measured from sign-in.
SIGN_IN_CAP = timedelta(hours=12)
# An ended session's row is kept this long (who was signed in, when), then deleted.
KEEP_ENDED = timedelta(days=30)
# `last_seen` is written at most this often: precise enough for the idle timeout.
SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class LiveSession:
    row: ConsoleSession
    user: User


def session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def begin_session(session: AsyncSession, user_id: int, now: datetime) -> str:
    """A new session for the user; the random id goes into the cookie, only its digest here."""
    session_id = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            digest=session_digest(session_id),
            user_id=user_id,
            created_at=now,
            last_seen=now,
            csrf_secret=secrets.token_urlsafe(32),
        )
    )
    await session.flush()
    return session_id


def is_over(row: ConsoleSession, now: datetime, idle: timedelta) -> bool:
    return (
        row.ended_at is not None
        or now - row.created_at >= SIGN_IN_CAP
        or now - row.last_seen > idle
    )


async def find_session(session: AsyncSession, session_id: str) -> LiveSession | None:
    """The session and its user, ended or not (the caller decides with `is_over`)."""
    found = (
        await session.exec(
            select(ConsoleSession, User)
            .join(User, col(User.id) == col(ConsoleSession.user_id))
            .where(col(ConsoleSession.digest) == session_digest(session_id))
        )
    ).first()
    return LiveSession(*found) if found else None


async def end_session(session: AsyncSession, session_id: str, now: datetime) -> None:
    await (await session.connection()).execute(
        update(ConsoleSession)
        .where(
            col(ConsoleSession.digest) == session_digest(session_id),
            col(ConsoleSession.ended_at).is_(None),
        )
        .values(ended_at=now, handover_user_id=None, handover_password=None)
    )


async def end_sessions_of(
    session: AsyncSession, user_id: int, now: datetime, keep: int | None = None
) -> None:
    """Every session of the user ends (but `keep`, the one they are changing a password in)."""
    statement = update(ConsoleSession).where(
        col(ConsoleSession.user_id) == user_id, col(ConsoleSession.ended_at).is_(None)
    )
    if keep is not None:
        statement = statement.where(col(ConsoleSession.id) != keep)
    await (await session.connection()).execute(
        statement.values(ended_at=now, handover_user_id=None, handover_password=None)
    )


async def touch(session: AsyncSession, row_id: int, now: datetime) -> None:
    await (await session.connection()).execute(
        update(ConsoleSession).where(col(ConsoleSession.id) == row_id).values(last_seen=now)
    )


async def hold_handover(session: AsyncSession, row_id: int, user_id: int, password: str) -> None:
    """A one-time password to show once to this session's admin, and to nobody else."""
    await (await session.connection()).execute(
        update(ConsoleSession)
        .where(col(ConsoleSession.id) == row_id)
        .values(handover_user_id=user_id, handover_password=password)
    )


async def take_handover(session: AsyncSession, row_id: int) -> tuple[str, str] | None:
    """The user name and one-time password held for this session, cleared as it is read."""
    row = await session.get(ConsoleSession, row_id)
    if row is None or row.handover_user_id is None or row.handover_password is None:
        return None
    user = await session.get(User, row.handover_user_id)
    password = row.handover_password
    row.handover_user_id = None
    row.handover_password = None
    session.add(row)
    return (user.username, password) if user else None


async def prune(session: AsyncSession, now: datetime) -> int:
    """Delete the rows of sessions over for KEEP_ENDED: signed out, or begun before the sign-in
    cap ended them all (idle ones never saw a sign-out). Returns how many."""
    long_ago = now - KEEP_ENDED
    result = await (await session.connection()).execute(
        delete(ConsoleSession).where(
            or_(
                col(ConsoleSession.ended_at) < long_ago,
                col(ConsoleSession.created_at) < long_ago - SIGN_IN_CAP,
            )
        )
    )
    return int(result.rowcount or 0)
