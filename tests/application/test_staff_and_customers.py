"""Staff accounts and customer files through their use cases: the operator's commands (users,
tokens, a lost password), an admin's staff changes, a file opened at the desk — each by the
roles the permission table names, audited, and refused without a trace."""

from __future__ import annotations

import pytest
from conftest import actor_named
from sqlmodel import col, func, select

from hotline.application import customers, staff
from hotline.application.unit import CoreServices
from hotline.db.tables import AuditEntry, Customer
from hotline.services.customers import NewCustomer
from hotline.services.errors import Conflict, Forbidden
from hotline.services.staff import StaffForm
from hotline.services.users import actor_for_token, authenticate
from tickets.workflow import Role


async def audit_rows(core: CoreServices, entity: str, key: str) -> list[tuple[str, str]]:
    async with core.sessions() as session:
        rows = await session.exec(
            select(AuditEntry.actor, AuditEntry.action)
            .where(col(AuditEntry.entity) == entity, col(AuditEntry.entity_key) == key)
            .order_by(col(AuditEntry.id))
        )
        return list(rows.all())


async def test_the_operator_adds_a_user_a_token_and_a_new_password(core: CoreServices) -> None:
    await staff.add_user(
        core, username="zhang.agent", role="agent", password="a long enough password"
    )
    token = await staff.issue_token(core, "zhang.agent")
    now = core.clock()
    async with core.sessions() as session:
        by_token = await actor_for_token(session, token, now)
    password = await staff.new_password(core, "zhang.agent")
    async with core.sessions() as session:
        after_reset = await actor_for_token(session, token, now)
        by_password = await authenticate(session, "zhang.agent", password, now)
        old_password = await authenticate(session, "zhang.agent", "a long enough password", now)
    assert by_token is not None and by_token.role is Role.AGENT
    # A new password ends the tokens issued before it.
    assert after_reset is None
    assert by_password == by_token and old_password is None
    assert await audit_rows(core, "user", "zhang.agent") == [
        ("cli", "create"),
        ("cli", "issue_token"),
        ("cli", "reset_password"),
    ]


async def test_staff_accounts_are_an_admins_to_make(core: CoreServices) -> None:
    form = StaffForm(display_name="张三", role="dispatcher")
    with pytest.raises(Forbidden):
        await staff.create_staff(core, await actor_named(core, "sup"), "zhang.san", form)
    assert await audit_rows(core, "user", "zhang.san") == []
    user, password = await staff.create_staff(
        core, await actor_named(core, "admin"), "zhang.san", form
    )
    async with core.sessions() as session:
        assert await authenticate(session, "zhang.san", password, core.clock()) is not None
    assert user.role == "dispatcher"
    assert await audit_rows(core, "user", "zhang.san") == [("admin", "create")]


async def test_a_file_is_opened_at_the_desk_once_per_account(core: CoreServices) -> None:
    caller = NewCustomer(name="陈静", phone="0571-8888 6666", account_number="GS10000099")
    with pytest.raises(Forbidden):
        await customers.open_file(core, await actor_named(core, "disp"), caller)
    agent = await actor_named(core, "agent")
    opened = await customers.open_file(core, agent, caller)
    assert [phone.number for phone in opened.phones] == ["+8657188886666"]
    with pytest.raises(Conflict):
        await customers.open_file(core, agent, caller)
    async with core.sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Customer))).one() == 1
    assert await audit_rows(core, "customer", "GS10000099") == [("agent", "create")]
