"""Editing the routing rules. Order matters (first match wins), so a change that would leave a
rule unable to ever fire — behind a broader one — is refused with the rule that hides it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Department, RoutingRuleRow
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.errors import Invalid, NotFound
from tickets.routing import RoutingRule, shadowing_rule
from tickets.types import SUBTYPES, TicketType

REFUSED = N_("the routing rule was not saved")


@dataclass(frozen=True)
class RuleForm:
    department: str
    ticket_type: str | None = None
    subtype: str | None = None
    area: str | None = None


@dataclass(frozen=True)
class ListedRule:
    row: RoutingRuleRow
    department: Department


async def list_rules(session: AsyncSession) -> list[ListedRule]:
    rows = await session.exec(
        select(RoutingRuleRow, Department)
        .join(Department, col(Department.id) == col(RoutingRuleRow.department_id))
        .order_by(col(RoutingRuleRow.position), col(RoutingRuleRow.id))
    )
    return [ListedRule(row, department) for row, department in rows.all()]


def _rule(form: RuleForm) -> RoutingRule:
    return RoutingRule(
        department=form.department,
        ticket_type=TicketType(form.ticket_type) if form.ticket_type else None,
        subtype=form.subtype or None,
        area=form.area or None,
    )


async def _department(session: AsyncSession, form: RuleForm) -> Department:
    errors: dict[str, str] = {}
    if form.ticket_type and form.ticket_type not in set(TicketType):
        errors["ticket_type"] = N_("unknown ticket type")
    elif form.subtype:
        if not form.ticket_type:
            errors["subtype"] = N_("choose the ticket type first")
        elif form.subtype not in SUBTYPES[TicketType(form.ticket_type)]:
            errors["subtype"] = N_("not a subtype of the chosen type")
    if form.area is not None and len(form.area) > 64:
        errors["area"] = N_("64 characters at most")
    if not (form.ticket_type or form.subtype or form.area):
        errors["ticket_type"] = N_(
            "a rule with no condition takes every ticket: make the department the default instead"
        )
    department = (
        await session.exec(select(Department).where(col(Department.code) == form.department))
    ).first()
    if department is None:
        errors["department"] = N_("no such department")
    if errors:
        raise Invalid(REFUSED, errors)
    assert department is not None
    return department


class RuleShadowed(Invalid):
    """Rule `rule` (counted from 1) would sit behind rule `hidden_by`, which takes all its
    tickets first."""

    def __init__(self, rule: int, hidden_by: int) -> None:
        super().__init__(
            f"{REFUSED}: rule {rule} could never fire, rule {hidden_by} takes all its tickets first"
        )
        self.rule = rule
        self.hidden_by = hidden_by


def _refuse_shadowed(rules: list[RoutingRule]) -> None:
    for position in range(len(rules)):
        hidden_by = shadowing_rule(rules, position)
        if hidden_by is not None:
            raise RuleShadowed(position + 1, hidden_by + 1)


def _as_rule(listed: ListedRule) -> RoutingRule:
    row = listed.row
    return RoutingRule(
        department=listed.department.code,
        ticket_type=TicketType(row.ticket_type) if row.ticket_type else None,
        subtype=row.subtype,
        area=row.area,
    )


def _facts(row: RoutingRuleRow, department: str) -> dict[str, object]:
    return {
        "position": row.position,
        "ticket_type": row.ticket_type,
        "subtype": row.subtype,
        "area": row.area,
        "department": department,
    }


async def _renumber(session: AsyncSession, ordered: list[RoutingRuleRow]) -> None:
    for position, row in enumerate(ordered, start=1):
        if row.position != position:
            row.position = position
            session.add(row)


async def add_rule(
    session: AsyncSession, form: RuleForm, now: datetime, by: str, position: int | None = None
) -> None:
    """A new rule, last; or, a deleted rule restored (`position`), back where it stood."""
    department = await _department(session, form)
    listed = await list_rules(session)
    index = len(listed) if position is None else min(max(position - 1, 0), len(listed))
    rules = [*map(_as_rule, listed)]
    rules.insert(index, _rule(form))
    _refuse_shadowed(rules)
    assert department.id is not None
    row = RoutingRuleRow(
        position=index + 1,
        ticket_type=form.ticket_type or None,
        subtype=form.subtype or None,
        area=form.area or None,
        department_id=department.id,
    )
    ordered = [item.row for item in listed]
    ordered.insert(index, row)
    await _renumber(session, ordered)
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="routing_rule",
        key=str(row.id),
        action="create" if position is None else "restore",
        after=_facts(row, department.code),
    )


def _find(listed: list[ListedRule], rule_id: int) -> int:
    for index, item in enumerate(listed):
        if item.row.id == rule_id:
            return index
    raise NotFound(f"no routing rule {rule_id}")


async def update_rule(
    session: AsyncSession, rule_id: int, form: RuleForm, now: datetime, by: str
) -> None:
    department = await _department(session, form)
    listed = await list_rules(session)
    index = _find(listed, rule_id)
    rules = [*map(_as_rule, listed)]
    rules[index] = _rule(form)
    _refuse_shadowed(rules)
    row = listed[index].row
    before = _facts(row, listed[index].department.code)
    assert department.id is not None
    row.ticket_type = form.ticket_type or None
    row.subtype = form.subtype or None
    row.area = form.area or None
    row.department_id = department.id
    session.add(row)
    await audit.record_changes(
        session,
        at=now,
        actor=by,
        entity="routing_rule",
        key=str(rule_id),
        before=before,
        after=_facts(row, department.code),
    )


async def move_rule(
    session: AsyncSession, rule_id: int, direction: Literal["up", "down"], now: datetime, by: str
) -> None:
    listed = await list_rules(session)
    index = _find(listed, rule_id)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(listed):
        return
    listed[index], listed[target] = listed[target], listed[index]
    _refuse_shadowed([*map(_as_rule, listed)])
    before = listed[target].row.position
    await _renumber(session, [item.row for item in listed])
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="routing_rule",
        key=str(rule_id),
        action="move",
        before={"position": before},
        after={"position": target + 1},
    )


@dataclass(frozen=True)
class RemovedRule:
    """A deleted rule as the form would enter it again, and the place it held (undo)."""

    form: RuleForm
    position: int


async def delete_rule(session: AsyncSession, rule_id: int, now: datetime, by: str) -> RemovedRule:
    listed = await list_rules(session)
    index = _find(listed, rule_id)
    removed = listed.pop(index)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="routing_rule",
        key=str(rule_id),
        action="delete",
        before=_facts(removed.row, removed.department.code),
    )
    await session.delete(removed.row)
    await _renumber(session, [item.row for item in listed])
    row = removed.row
    return RemovedRule(
        RuleForm(removed.department.code, row.ticket_type, row.subtype, row.area), index + 1
    )
