"""The rules hotline runs on, changed by an admin: departments, routing rules, SLA targets and
the callback policy. Each change is checked and audited by its service in one transaction;
once it commits, the next ticket is routed and clocked by the new rules."""

from __future__ import annotations

from typing import Literal

from hotline.application.unit import Core, unit_of_work
from hotline.db.tables import CallbackPolicyRow, Department, KpiTargetRow, SlaPolicyRow
from hotline.services import callbacks, departments, routing_rules, sla_policies
from hotline.services.actor import Actor, require
from hotline.services.departments import DepartmentForm
from hotline.services.routing_rules import RemovedRule, RuleForm
from tickets.workflow import ADMINS


async def create_department(core: Core, actor: Actor, form: DepartmentForm) -> Department:
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        department = await departments.create_department(
            work.session, form, work.now, actor.username
        )
        work.changed_rules()
    return department


async def update_department(core: Core, actor: Actor, form: DepartmentForm) -> Department:
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        department = await departments.update_department(
            work.session, form, work.now, actor.username
        )
        work.changed_rules()
    return department


async def add_routing_rule(
    core: Core, actor: Actor, form: RuleForm, position: int | None = None
) -> None:
    """A new rule (last), or a deleted one restored at its `position` (undo)."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        await routing_rules.add_rule(work.session, form, work.now, actor.username, position)
        work.changed_rules()


async def update_routing_rule(core: Core, actor: Actor, rule_id: int, form: RuleForm) -> None:
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        await routing_rules.update_rule(work.session, rule_id, form, work.now, actor.username)
        work.changed_rules()


async def move_routing_rule(
    core: Core, actor: Actor, rule_id: int, direction: Literal["up", "down"]
) -> None:
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        await routing_rules.move_rule(work.session, rule_id, direction, work.now, actor.username)
        work.changed_rules()


async def delete_routing_rule(core: Core, actor: Actor, rule_id: int) -> RemovedRule:
    """The rule deleted; what it was and where it stood are returned, for an undo."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        removed = await routing_rules.delete_rule(work.session, rule_id, work.now, actor.username)
        work.changed_rules()
    return removed


async def set_sla_target(core: Core, actor: Actor, policy_id: int, amount: int) -> SlaPolicyRow:
    """A new target for tickets received from now on; running clocks keep theirs. One looser
    than the rules waits for a second admin (`pending_amount`)."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        policy = await sla_policies.set_target(
            work.session, policy_id, amount, work.now, actor.username
        )
        work.changed_rules()
    return policy


async def confirm_sla_target(core: Core, actor: Actor, policy_id: int) -> SlaPolicyRow:
    """A second admin puts a target looser than the rules in force."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        policy = await sla_policies.confirm_target(
            work.session, policy_id, work.now, actor.username
        )
        work.changed_rules()
    return policy


async def set_kpi_target(core: Core, actor: Actor, name: str, target: float) -> KpiTargetRow:
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        return await sla_policies.set_kpi_target(
            work.session, name, target, work.now, actor.username
        )


async def confirm_kpi_target(core: Core, actor: Actor, name: str) -> KpiTargetRow:
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        return await sla_policies.confirm_kpi_target(work.session, name, work.now, actor.username)


async def set_callback_policy(
    core: Core,
    actor: Actor,
    numbers: dict[str, int],
    quiet: tuple[str, str],
    automated_calls: bool,
) -> CallbackPolicyRow:
    """Callbacks made from now on follow it; each transaction reads it afresh."""
    require(actor, ADMINS)
    async with unit_of_work(core) as work:
        return await callbacks.update_policy(
            work.session, numbers, quiet, automated_calls, work.now, actor.username
        )
