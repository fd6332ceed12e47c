"""Users, their roles and API tokens."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.auth.passwords import WeakPassword, hash_password, verify_password
from hotline.auth.tokens import new_token, token_digest
from hotline.db.tables import ApiToken, Department, User
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.actor import Actor
from hotline.services.errors import Conflict, Invalid, NotFound
from hotline.telephony.endpoints import InterfaceError, parse_interface
from tickets.workflow import Role

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")


def member_interface(text: str) -> str:
    """A queue member's interface as Asterisk reports it (any technology: `PJSIP/8001`,
    FreePBX's `Local/8001@from-queue/n`, `SIP/…`, `IAX2/…`), or a clear refusal."""
    try:
        return parse_interface(text)
    except InterfaceError as error:
        message = N_("an interface looks like PJSIP/8001")
        raise Invalid(message, {"interface": message}) from error


def _actor(user: User) -> Actor:
    assert user.id is not None
    return Actor(user.id, user.username, Role(user.role), user.interface)


def user_facts(user: User, department: str | None) -> dict[str, object]:
    """What the audit log keeps of a user (never the password)."""
    return {
        "display_name": user.display_name,
        "role": user.role,
        "interface": user.interface,
        "department": department,
        "active": user.active,
    }


async def add_user(
    session: AsyncSession,
    *,
    username: str,
    role: str,
    password: str,
    now: datetime,
    display_name: str | None = None,
    interface: str | None = None,
    department: Department | None = None,
    active: bool = True,
    by: str = "cli",
) -> User:
    """The one way a user comes to be, from the command line, the demo or the console."""
    if not USERNAME.match(username):
        raise Invalid(
            "a username is lower-case letters, digits, '_', '.', '-', starting with a letter",
            {"username": N_("lower-case letters, digits, '_', '.', '-', starting with a letter")},
        )
    if role not in {member.value for member in Role}:
        roles = ", ".join(member.value for member in Role)
        raise Invalid(f"unknown role {role!r}; one of {roles}", {"role": N_("unknown role")})
    if interface is not None:
        interface = member_interface(interface)
    if (await session.exec(select(User).where(User.username == username))).first():
        raise Conflict(
            N_("the user was not added: the user name is taken"),
            fields={"username": N_("taken by another user")},
        )
    if interface and (await session.exec(select(User).where(User.interface == interface))).first():
        raise Conflict(
            N_("the user was not added: the phone belongs to another user"),
            fields={"interface": N_("this interface belongs to another user")},
        )
    try:
        password_hash = hash_password(password)
    except WeakPassword as error:
        raise Invalid(str(error), {"password": str(error)}) from error
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=password_hash,
        interface=interface,
        department_id=department.id if department else None,
        active=active,
        created_at=now,
    )
    session.add(user)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="user",
        key=username,
        action="create",
        after=user_facts(user, department.code if department else None),
    )
    await session.flush()
    return user


async def user_named(session: AsyncSession, username: str) -> User:
    user = (await session.exec(select(User).where(User.username == username))).first()
    if user is None or user.id is None:
        raise NotFound(f"no user {username!r}")
    return user


async def issue_token(session: AsyncSession, username: str, now: datetime, by: str = "cli") -> str:
    user = await user_named(session, username)
    assert user.id is not None
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_digest=token_digest(token), created_at=now))
    await audit.record(session, at=now, actor=by, entity="user", key=username, action="issue_token")
    await session.flush()
    return token


async def actor_for_token(session: AsyncSession, token: str) -> Actor | None:
    statement = (
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)  # type: ignore[arg-type]
        .where(ApiToken.token_digest == token_digest(token), ApiToken.revoked_at == None)  # noqa: E711
    )
    user = (await session.exec(statement)).first()
    if user is None or not user.active:
        return None
    return _actor(user)


async def authenticate(session: AsyncSession, username: str, password: str) -> Actor | None:
    user = (await session.exec(select(User).where(User.username == username))).first()
    if user is None:
        # Hash anyway: an unknown name must take as long to refuse as a wrong password, or the
        # answer time tells which user names exist.
        verify_password(_UNKNOWN_USER_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return _actor(user)


async def actor_for_user(session: AsyncSession, user_id: int) -> Actor | None:
    """The signed-in user behind a console session, if still active."""
    user = await session.get(User, user_id)
    if user is None or not user.active:
        return None
    return _actor(user)


_UNKNOWN_USER_HASH = hash_password("no such user: this hash only spends the time")
