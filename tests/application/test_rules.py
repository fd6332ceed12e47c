"""Changing the rules hotline runs on, as the use cases do it whoever calls them: the next
ticket follows the new rules at once (the rules cached before the change are not used again),
only the roles the permission table names may change them, and a refused change writes
nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import SHANGHAI, FakeClock, actor_named
from sqlmodel import col, func, select

from hotline.application import calendar, rules, tickets
from hotline.application.unit import CoreServices
from hotline.db.tables import AuditEntry, SlaPolicyRow
from hotline.services.actor import Actor
from hotline.services.departments import DepartmentForm
from hotline.services.errors import Forbidden, Invalid
from hotline.services.routing_rules import RuleForm
from hotline.services.tickets import NewTicket, TicketView
from tickets.sla import Clock, ClockName, TargetKind
from tickets.types import TicketType


async def consultation(core: CoreServices, agent: Actor) -> TicketView:
    return await tickets.open_ticket(
        core, agent, NewTicket(type=TicketType.CONSULTATION, description="询问账单", area="北区")
    )


def reply_minutes(view: TicketView) -> float:
    [reply] = [clock for clock in view.clocks if clock.name is ClockName.REPLY]
    return (reply.due_at - reply.started_at) / timedelta(minutes=1)


async def audited(core: CoreServices) -> int:
    async with core.sessions() as session:
        return (await session.exec(select(func.count()).select_from(AuditEntry))).one()


async def test_the_next_ticket_follows_the_rules_just_changed(core: CoreServices) -> None:
    admin, agent = await actor_named(core, "admin"), await actor_named(core, "agent")
    before = await consultation(core, agent)  # the rules are read, and kept
    assert (reply_minutes(before), before.department.code) == (240, "hotline")
    async with core.sessions() as session:
        policy = (
            await session.exec(
                select(SlaPolicyRow).where(
                    col(SlaPolicyRow.ticket_type) == "consultation",
                    col(SlaPolicyRow.special).is_(None),
                    col(SlaPolicyRow.clock) == "reply",
                )
            )
        ).one()
    assert policy.id is not None
    await rules.set_sla_target(core, admin, policy.id, 120)
    await rules.create_department(core, admin, DepartmentForm("north", "北区服务站"))
    await rules.add_routing_rule(core, admin, RuleForm("north", "consultation", area="北区"))
    after = await consultation(core, agent)
    assert (reply_minutes(after), after.department.code) == (120, "north")


async def test_only_admins_change_the_rules_and_a_refusal_writes_nothing(
    core: CoreServices,
) -> None:
    supervisor = await actor_named(core, "sup")
    written = await audited(core)
    with pytest.raises(Forbidden):
        await rules.create_department(core, supervisor, DepartmentForm("north", "北区服务站"))
    with pytest.raises(Forbidden):
        await rules.set_sla_target(core, supervisor, 1, 120)
    admin = await actor_named(core, "admin")
    with pytest.raises(Invalid):
        await rules.add_routing_rule(core, admin, RuleForm("nowhere", "repair"))
    assert await audited(core) == written


def working_days_clock(view: TicketView) -> Clock:
    """A complaint's five-working-day clock (beside its take-up clock)."""
    [clock] = [clock for clock in view.clocks if clock.kind is TargetKind.WORKING_DAYS]
    return clock


async def test_a_calendar_correction_moves_the_next_complaint_deadline(
    core: CoreServices, clock: FakeClock
) -> None:
    supervisor, agent = await actor_named(core, "sup"), await actor_named(core, "agent")
    complaint = NewTicket(type=TicketType.COMPLAINT, description="服务态度差")
    first = working_days_clock(await tickets.open_ticket(core, agent, complaint))
    # Due at 24:00 of the fifth working day: the next day's midnight.
    last_working_day = first.due_at.astimezone(SHANGHAI).date() - timedelta(days=1)
    await calendar.override_day(core, supervisor, last_working_day, False, "停电检修")
    second = working_days_clock(await tickets.open_ticket(core, agent, complaint))
    assert second.due_at.astimezone(SHANGHAI).date() - timedelta(days=1) > last_working_day
    assert clock.now < first.due_at < second.due_at


async def test_the_calendar_is_corrected_by_supervisors_within_its_years(
    core: CoreServices,
) -> None:
    supervisor, dispatcher = await actor_named(core, "sup"), await actor_named(core, "disp")
    written = await audited(core)
    with pytest.raises(Forbidden):
        await calendar.override_day(core, dispatcher, date(2026, 12, 31), False)
    with pytest.raises(Invalid) as outside:
        await calendar.override_day(core, supervisor, date(1999, 10, 1), False)
    assert outside.value.fields == {"day": "outside the calendar"}
    with pytest.raises(Invalid):
        await calendar.confirm_year(core, supervisor, 2101)
    assert await audited(core) == written
    await calendar.confirm_year(core, supervisor, 2027, "国务院办公厅通知")
    assert await audited(core) == written + 1
