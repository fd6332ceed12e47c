"""Managing staff accounts from the console: role, queue-member interface, department,
active or not, a new one-time password. An admin cannot lock themselves out."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.auth.passwords import hash_password_off_loop
from hotline.db.tables import Department, User
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.console_sessions import end_sessions_of
from hotline.services.errors import Invalid, NotFound
from hotline.services.users import add_user, revoke_tokens, user_facts
from hotline.telephony.endpoints import InterfaceError, parse_interface
from tickets.workflow import Role

REFUSED = N_("the user was not saved")
# A one-time password not used within this long stops working; the admin makes another.
ONE_TIME_PASSWORD_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class StaffForm:
    display_name: str
    role: str
    interface: str | None = None
    department: str | None = None
    active: bool = True


@dataclass(frozen=True)
class StaffMember:
    user: User
    department: Department | None


def one_time_password() -> str:
    """Shown once to the admin, who hands it over; long enough for the password rules."""
    return secrets.token_urlsafe(12)


async def list_staff(session: AsyncSession) -> list[StaffMember]:
    rows = await session.exec(
        select(User, Department)
        .join(Department, col(Department.id) == col(User.department_id), isouter=True)
        .order_by(col(User.username))
    )
    return [StaffMember(user, department) for user, department in rows.all()]


async def _check(
    session: AsyncSession, form: StaffForm, user_id: int | None
) -> tuple[Department | None, str | None]:
    """The form's department and its interface as Asterisk writes it, or why not."""
    errors: dict[str, str] = {}
    if not form.display_name.strip() or len(form.display_name) > 100:
        errors["display_name"] = N_("a name of 1 to 100 characters")
    if form.role not in set(Role):
        errors["role"] = N_("unknown role")
    interface = None
    if form.interface:
        try:
            interface = parse_interface(form.interface)
        except InterfaceError:
            errors["interface"] = N_("an interface looks like PJSIP/8001")
    if interface:
        holder = await session.exec(
            select(User.username).where(col(User.interface) == interface, col(User.id) != user_id)
        )
        if holder.first() is not None:
            errors["interface"] = N_("this interface belongs to another user")
    department = None
    if form.department:
        department = (
            await session.exec(select(Department).where(col(Department.code) == form.department))
        ).first()
        if department is None:
            errors["department"] = N_("no such department")
    if errors:
        raise Invalid(REFUSED, errors)
    return department, interface


async def update_staff(
    session: AsyncSession, user_id: int, form: StaffForm, now: datetime, by: str
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    department, interface = await _check(session, form, user_id)
    if user.username == by and (not form.active or form.role != Role.ADMIN):
        raise Invalid(REFUSED, {"role": N_("you cannot take away your own admin access")})
    old_department = None
    if user.department_id is not None:
        found = await session.get(Department, user.department_id)
        old_department = found.code if found else None
    before = user_facts(user, old_department)
    user.display_name = form.display_name.strip()
    user.role = form.role
    user.interface = interface
    user.department_id = department.id if department else None
    user.active = form.active
    session.add(user)
    if not user.active:
        await end_access(session, user, now)
    await audit.record_changes(
        session,
        at=now,
        actor=by,
        entity="user",
        key=user.username,
        before=before,
        after=user_facts(user, department.code if department else None),
    )
    return user


async def create_staff(
    session: AsyncSession, username: str, form: StaffForm, now: datetime, by: str
) -> tuple[User, str]:
    """The new user and their one-time password."""
    department, interface = await _check(session, form, None)
    password = one_time_password()
    user = await add_user(
        session,
        username=username,
        role=form.role,
        password=password,
        now=now,
        display_name=form.display_name.strip(),
        interface=interface,
        department=department,
        active=form.active,
        by=by,
    )
    _must_replace(user, now)
    return user, password


def _must_replace(user: User, now: datetime) -> None:
    user.must_change_password = True
    user.password_expires_at = now + ONE_TIME_PASSWORD_LIFETIME


async def end_access(session: AsyncSession, user: User, now: datetime) -> None:
    """The user's console sessions end and API tokens stop working."""
    assert user.id is not None
    await end_sessions_of(session, user.id, now)
    await revoke_tokens(session, user.id, now)


async def revoke_access(session: AsyncSession, user_id: int, now: datetime, by: str) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    await end_access(session, user, now)
    await audit.record(
        session, at=now, actor=by, entity="user", key=user.username, action="revoke_access"
    )
    return user


async def reset_password(session: AsyncSession, user_id: int, now: datetime, by: str) -> str:
    """A one-time password, to be replaced at first sign-in; the user's sessions and tokens
    end (whoever held them, the password that opened them is no longer theirs)."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    password = one_time_password()
    user.password_hash = await hash_password_off_loop(password)
    _must_replace(user, now)
    session.add(user)
    await end_access(session, user, now)
    await audit.record(
        session, at=now, actor=by, entity="user", key=user.username, action="reset_password"
    )
    return password
