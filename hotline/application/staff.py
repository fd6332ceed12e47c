"""Staff accounts: made and changed by an admin at the console (handing over a one-time
password), or by the operator at the command line (`hotline users …`, the demo), who runs the
server and needs no role in it."""

from __future__ import annotations

from hotline.application.unit import Core, unit_of_work
from hotline.db.tables import User
from hotline.services import console_sessions, staff, users
from hotline.services.actor import Actor, require
from hotline.services.staff import StaffForm
from tickets.workflow import ADMINS

OPERATOR = "cli"


async def add_user(
    core: Core,
    *,
    username: str,
    role: str,
    password: str,
    display_name: str | None = None,
    interface: str | None = None,
    by: str = OPERATOR,
) -> User:
    async with unit_of_work(core) as work:
        return await users.add_user(
            work.session,
            username=username,
            role=role,
            password=password,
            now=work.now,
            display_name=display_name,
            interface=interface,
            by=by,
        )


async def issue_token(core: Core, username: str, by: str = OPERATOR) -> str:
    """A new API bearer token, shown once; it expires after the policy's days."""
    async with unit_of_work(core) as work:
        return await users.issue_token(
            work.session, username, work.now, by, days=core.settings.token_days
        )


async def revoke(core: Core, username: str, by: str = OPERATOR) -> None:
    """Every API token and console session of the user ends (`hotline users revoke`)."""
    async with unit_of_work(core) as work:
        user = await users.user_named(work.session, username)
        assert user.id is not None
        await staff.revoke_access(work.session, user.id, work.now, by)


async def revoke_access(core: Core, actor: Actor, user_id: int) -> User:
    """The admin page's revoke: the user's tokens and sessions end."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        return await staff.revoke_access(work.session, user_id, work.now, actor.username)


async def new_password(core: Core, username: str, by: str = OPERATOR) -> str:
    """A one-time password for a user who lost theirs (say, the demo's)."""
    async with unit_of_work(core) as work:
        user = await users.user_named(work.session, username)
        assert user.id is not None
        return await staff.reset_password(work.session, user.id, work.now, by)


async def create_staff(
    core: Core, actor: Actor, username: str, form: StaffForm, handover_session: int | None = None
) -> tuple[User, str]:
    """The new user and their one-time password, which also waits in the admin's console
    session (`handover_session`), server-side, to be shown there once."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        user, password = await staff.create_staff(
            work.session, username, form, work.now, actor.username
        )
        assert user.id is not None
        if handover_session is not None:
            await console_sessions.hold_handover(work.session, handover_session, user.id, password)
        return user, password


async def update_staff(core: Core, actor: Actor, user_id: int, form: StaffForm) -> User:
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        return await staff.update_staff(work.session, user_id, form, work.now, actor.username)


async def reset_password(
    core: Core, actor: Actor, user_id: int, handover_session: int | None = None
) -> str:
    """A one-time password for the user; it also waits in the admin's console session
    (`handover_session`), server-side, to be shown there once with the name of the user whose
    row was reset."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        password = await staff.reset_password(work.session, user_id, work.now, actor.username)
        if handover_session is not None:
            await console_sessions.hold_handover(work.session, handover_session, user_id, password)
        return password
