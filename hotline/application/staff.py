"""Staff accounts: made and changed by an admin at the console (handing over a one-time
password), or by the operator at the command line (`hotline users …`, the demo), who runs the
server and needs no role in it."""

from __future__ import annotations

from hotline.application.unit import Core, unit_of_work
from hotline.db.tables import User
from hotline.services import staff, users
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
    """A new API bearer token, shown once."""
    async with unit_of_work(core) as work:
        return await users.issue_token(work.session, username, work.now, by)


async def new_password(core: Core, username: str, by: str = OPERATOR) -> str:
    """A one-time password for a user who lost theirs (say, the demo's)."""
    async with unit_of_work(core) as work:
        user = await users.user_named(work.session, username)
        assert user.id is not None
        return await staff.reset_password(work.session, user.id, work.now, by)


async def create_staff(
    core: Core, actor: Actor, username: str, form: StaffForm
) -> tuple[User, str]:
    """The new user and their one-time password."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        return await staff.create_staff(work.session, username, form, work.now, actor.username)


async def update_staff(core: Core, actor: Actor, user_id: int, form: StaffForm) -> User:
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        return await staff.update_staff(work.session, user_id, form, work.now, actor.username)


async def reset_password(core: Core, actor: Actor, user_id: int) -> str:
    """A one-time password for the user, shown once to the admin who hands it over."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        return await staff.reset_password(work.session, user_id, work.now, actor.username)
