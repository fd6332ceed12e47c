"""Signing in and out of the console, and changing one's own password. A session is a row
in the database (services/console_sessions.py), so every worker sees it begin and end.

A session's times are the web layer's wall clock (`now`), apart from the domain clock the
rules run on: tests move the latter by hours without signing anyone out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.application.unit import Core, unit_of_work
from hotline.services import console_sessions, login_failures, users
from hotline.services.actor import Actor


@dataclass(frozen=True)
class SignedIn:
    """A live console session: who, its row, its CSRF secret, whether the user must first
    replace a one-time password."""

    actor: Actor
    session_row: int
    csrf_secret: str
    must_change_password: bool


async def retry_after(core: Core, username: str, address: str, now: datetime) -> float:
    """Seconds this name must wait before signing in from this address (auth/throttle.py)."""
    async with core.sessions() as session:
        return await login_failures.retry_after(session, username, address, now)


async def sign_in(
    core: Core, username: str, password: str, now: datetime, address: str
) -> str | None:
    """A new session's id for the cookie, or None: wrong name or password, inactive, or an
    expired one-time password. Either is counted for the throttle, on every worker."""
    async with core.sessions() as session:
        user = await users.user_for_sign_in(session, username)
    # The connection is back in the pool before the (slow, queued) hashing starts.
    actor = await users.check_password(user, password, core.clock())
    async with unit_of_work(core, now) as work:
        if actor is None:
            await login_failures.failed(work.session, username, address, now)
            return None
        await login_failures.succeeded(work.session, username, address, now)
        return await console_sessions.begin_session(work.session, actor.user_id, now)


async def signed_in(core: Core, session_id: str, now: datetime) -> SignedIn | None:
    """The live session behind the cookie's id; an idle, capped or ended one is ended."""
    async with core.sessions() as session:
        found = await console_sessions.find_session(session, session_id)
    if found is None:
        return None
    idle = timedelta(minutes=core.settings.session_idle_minutes)
    if console_sessions.is_over(found.row, now, idle) or not found.user.active:
        if found.row.ended_at is None:
            await sign_out(core, session_id, now)
        return None
    if now - found.row.last_seen >= console_sessions.SEEN_RESOLUTION:
        assert found.row.id is not None
        async with unit_of_work(core, now) as work:
            await console_sessions.touch(work.session, found.row.id, now)
    assert found.row.id is not None
    return SignedIn(
        users.actor_of(found.user),
        found.row.id,
        found.row.csrf_secret,
        found.user.must_change_password,
    )


async def still_signed_in(core: Core, session_id: str, now: datetime) -> bool:
    """Whether the session is live, without counting the question as the user's activity (an
    open live feed is not someone at work)."""
    async with core.sessions() as session:
        found = await console_sessions.find_session(session, session_id)
    idle = timedelta(minutes=core.settings.session_idle_minutes)
    return (
        found is not None
        and found.user.active
        and not console_sessions.is_over(found.row, now, idle)
    )


async def prune_ended(core: Core, now: datetime) -> int:
    """The scheduler's: rows of sessions long over at `now` (the wall clock) are deleted.
    Returns how many."""
    async with unit_of_work(core) as work:
        return await console_sessions.prune(work.session, now)


async def sign_out(core: Core, session_id: str, now: datetime) -> None:
    async with unit_of_work(core, now) as work:
        await console_sessions.end_session(work.session, session_id, now)


async def change_own_password(
    core: Core, signed: SignedIn, current: str, new: str, repeated: str
) -> None:
    """The signed-in user's new password; their other sessions end, this one goes on."""
    async with unit_of_work(core) as work:
        await users.change_password(
            work.session, signed.actor.user_id, current, new, repeated, work.now
        )
        await console_sessions.end_sessions_of(
            work.session, signed.actor.user_id, work.now, keep=signed.session_row
        )


async def take_handover(core: Core, session_row: int) -> tuple[str, str] | None:
    """The one-time password this admin's session holds to show once, and whose it is."""
    async with unit_of_work(core) as work:
        return await console_sessions.take_handover(work.session, session_row)
