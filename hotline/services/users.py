"""Users, their roles and API tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.auth.passwords import (
    WeakPassword,
    hash_password,
    hash_password_off_loop,
    verify_password_off_loop,
)
from hotline.auth.tokens import new_token, token_digest
from hotline.db.tables import ApiToken, Department, User
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.actor import Actor
from hotline.services.errors import Conflict, Invalid, NotFound
from hotline.telephony.endpoints import InterfaceError, parse_interface
from tickets.workflow import Role

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
DEFAULT_TOKEN_DAYS = 90


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
    return Actor(
        user.id,
        user.username,
        Role(user.role),
        user.interface,
        user.department_id,
        user.display_name,
    )


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
        password_hash = await hash_password_off_loop(password)
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


def token_expires_at(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)


async def issue_token(
    session: AsyncSession,
    username: str,
    now: datetime,
    by: str = "cli",
    days: int = DEFAULT_TOKEN_DAYS,
) -> str:
    """A new bearer token, working for `days` (the policy, HOTLINE_TOKEN_DAYS)."""
    user = await user_named(session, username)
    assert user.id is not None
    token = new_token()
    session.add(
        ApiToken(
            user_id=user.id,
            token_digest=token_digest(token),
            created_at=now,
            expires_at=token_expires_at(now, days),
        )
    )
    await audit.record(session, at=now, actor=by, entity="user", key=username, action="issue_token")
    await session.flush()
    return token


async def revoke_tokens(session: AsyncSession, user_id: int, now: datetime) -> int:
    """Every token of the user stops working; how many were live."""
    result = await (await session.connection()).execute(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class TokenHolder:
    actor: Actor
    expires_at: datetime | None


async def actor_for_token(session: AsyncSession, token: str, now: datetime) -> Actor | None:
    holder = await token_holder(session, token, now)
    return holder.actor if holder else None


async def token_holder(session: AsyncSession, token: str, now: datetime) -> TokenHolder | None:
    """Who a live token belongs to, and until when it works."""
    statement = (
        select(User, ApiToken)
        .join(ApiToken, col(ApiToken.user_id) == col(User.id))
        .where(ApiToken.token_digest == token_digest(token), col(ApiToken.revoked_at).is_(None))
    )
    found = (await session.exec(statement)).first()
    if found is None:
        return None
    user, row = found
    if not user.active or (row.expires_at is not None and row.expires_at <= now):
        return None
    return TokenHolder(_actor(user), row.expires_at)


async def authenticate(
    session: AsyncSession, username: str, password: str, now: datetime
) -> Actor | None:
    """The user, if the password is theirs, they are active and a one-time password has not
    expired."""
    return await check_password(await user_for_sign_in(session, username), password, now)


async def user_for_sign_in(session: AsyncSession, username: str) -> User | None:
    return (await session.exec(select(User).where(User.username == username))).first()


async def check_password(user: User | None, password: str, now: datetime) -> Actor | None:
    """`authenticate`'s hashing, which needs no database: a sign-in hashes after it has given
    its connection back, or a burst of them would hold the whole pool while they queue for
    the hasher (benchmarks/login_burst.py)."""
    if user is None:
        # Hash anyway: an unknown name must take as long to refuse as a wrong password, or the
        # answer time tells which user names exist.
        await verify_password_off_loop(_UNKNOWN_USER_HASH, password)
        return None
    if not await verify_password_off_loop(user.password_hash, password) or not user.active:
        return None
    if user.password_expires_at is not None and user.password_expires_at <= now:
        return None
    return _actor(user)


def actor_of(user: User) -> Actor:
    return _actor(user)


_UNKNOWN_USER_HASH = hash_password("no such user: this hash only spends the time")


SAME_PASSWORD = N_("the new password must differ from the current one")


async def change_password(
    session: AsyncSession, user_id: int, current: str, new: str, repeated: str, now: datetime
) -> User:
    """The user replaces their own password (a one-time one included), knowing the current."""
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("no such user")
    errors: dict[str, str] = {}
    if not await verify_password_off_loop(user.password_hash, current):
        errors["current_password"] = N_("this is not your current password")
    if new != repeated:
        errors["repeat_password"] = N_("the two new passwords differ")
    elif new == current:
        errors["new_password"] = SAME_PASSWORD
    elif new.strip().lower() == user.username:
        errors["new_password"] = N_("a password must not be the user name")
    if errors:
        raise Invalid(N_("the password was not changed"), errors)
    try:
        user.password_hash = await hash_password_off_loop(new)
    except WeakPassword as error:
        raise Invalid(
            N_("the password was not changed"),
            {"new_password": N_("a password needs at least 10 characters")},
        ) from error
    user.must_change_password = False
    user.password_expires_at = None
    session.add(user)
    await audit.record(
        session,
        at=now,
        actor=user.username,
        entity="user",
        key=user.username,
        action="change_password",
    )
    return user
