"""Departments: who handles what routing sends them. Exactly one is the default, which takes
every ticket no routing rule matches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Department, User
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.errors import Conflict, Invalid, NotFound

CODE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


@dataclass(frozen=True)
class DepartmentForm:
    code: str
    name: str
    lead_username: str | None = None
    is_default: bool = False


def _facts(department: Department) -> dict[str, object]:
    return {
        "name": department.name,
        "lead_username": department.lead_username,
        "is_default": department.is_default,
    }


async def list_departments(session: AsyncSession) -> list[Department]:
    return list((await session.exec(select(Department).order_by(col(Department.code)))).all())


async def _check(session: AsyncSession, form: DepartmentForm) -> None:
    errors: dict[str, str] = {}
    if not form.name.strip() or len(form.name) > 100:
        errors["name"] = N_("a name of 1 to 100 characters")
    if form.lead_username:
        lead = await session.exec(select(User.id).where(col(User.username) == form.lead_username))
        if lead.first() is None:
            errors["lead_username"] = N_("no such user")
    if errors:
        raise Invalid(N_("the department was not saved"), errors)


async def _make_sole_default(session: AsyncSession, keep: Department) -> None:
    others = await session.exec(
        select(Department).where(col(Department.is_default), col(Department.id) != keep.id)
    )
    for other in others.all():
        other.is_default = False
        session.add(other)


async def create_department(
    session: AsyncSession, form: DepartmentForm, now: datetime, by: str
) -> Department:
    if not CODE.match(form.code):
        raise Invalid(
            N_("the department was not saved"),
            {"code": N_("2 to 40 lower-case letters, digits, '_' or '-', starting with a letter")},
        )
    await _check(session, form)
    if (await session.exec(select(Department).where(col(Department.code) == form.code))).first():
        raise Conflict(f"department {form.code!r} exists already")
    department = Department(
        code=form.code,
        name=form.name.strip(),
        lead_username=form.lead_username or None,
        is_default=form.is_default,
    )
    session.add(department)
    await session.flush()
    if form.is_default:
        await _make_sole_default(session, department)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="department",
        key=form.code,
        action="create",
        after=_facts(department),
    )
    return department


async def update_department(
    session: AsyncSession, form: DepartmentForm, now: datetime, by: str
) -> Department:
    department = (
        await session.exec(select(Department).where(col(Department.code) == form.code))
    ).first()
    if department is None:
        raise NotFound(f"no department {form.code!r}")
    await _check(session, form)
    if department.is_default and not form.is_default:
        raise Invalid(
            N_("the department was not saved"),
            {"is_default": N_("make another department the default instead")},
        )
    before = _facts(department)
    department.name = form.name.strip()
    department.lead_username = form.lead_username or None
    department.is_default = form.is_default
    session.add(department)
    if form.is_default:
        await _make_sole_default(session, department)
    await audit.record_changes(
        session,
        at=now,
        actor=by,
        entity="department",
        key=form.code,
        before=before,
        after=_facts(department),
    )
    return department
