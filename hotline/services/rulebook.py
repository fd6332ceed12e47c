"""The rules in force, read from the database: SLA policies, routing rules, departments and the
business calendar. Read often, changed rarely, so kept in memory and reloaded on change."""

from __future__ import annotations

from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import (
    CalendarOverride,
    ConfirmedCalendarYear,
    Department,
    RoutingRuleRow,
    SlaPolicyRow,
)
from hotline.services.recent import Recent
from tickets.calendar import BusinessCalendar
from tickets.regulations import policy_looser
from tickets.routing import RoutingRule
from tickets.sla import ClockName, SlaPolicy, StartEvent, TargetKind
from tickets.types import TicketType


@dataclass(frozen=True)
class Rulebook:
    policies: tuple[SlaPolicy, ...]
    routing: tuple[RoutingRule, ...]
    departments: dict[str, Department]
    default_department: str
    calendar: BusinessCalendar
    timezone: ZoneInfo

    def department_by_id(self, department_id: int) -> Department | None:
        for department in self.departments.values():
            if department.id == department_id:
                return department
        return None


def policy_from_row(row: SlaPolicyRow) -> SlaPolicy:
    policy = SlaPolicy(
        clock=ClockName(row.clock),
        kind=TargetKind(row.kind),
        amount=row.amount,
        ticket_type=TicketType(row.ticket_type) if row.ticket_type else None,
        subtype=row.subtype,
        special=row.special,
        starts_on=StartEvent(row.starts_on),
        pause_limit=row.pause_limit,
        extension_limit=row.extension_limit,
        extension_days=row.extension_days,
    )
    return replace(policy, looser=policy_looser(policy, row.amount))


async def load_calendar(session: AsyncSession) -> BusinessCalendar:
    overrides = (await session.exec(select(CalendarOverride))).all()
    confirmed = (await session.exec(select(ConfirmedCalendarYear.year))).all()
    return BusinessCalendar(
        overrides={row.day: row.workday for row in overrides},
        override_notes={row.day: row.note for row in overrides if row.note},
        confirmed_years=confirmed,
    )


async def load_rulebook(session: AsyncSession, timezone: ZoneInfo) -> Rulebook:
    departments = (await session.exec(select(Department))).all()
    by_id = {department.id: department for department in departments}
    rules = (
        await session.exec(select(RoutingRuleRow).order_by(col(RoutingRuleRow.position)))
    ).all()
    policies = (await session.exec(select(SlaPolicyRow).order_by(col(SlaPolicyRow.id)))).all()
    defaults = [department.code for department in departments if department.is_default]
    return Rulebook(
        policies=tuple(policy_from_row(row) for row in policies),
        routing=tuple(
            RoutingRule(
                department=by_id[rule.department_id].code,
                ticket_type=TicketType(rule.ticket_type) if rule.ticket_type else None,
                subtype=rule.subtype,
                area=rule.area,
            )
            for rule in rules
        ),
        departments={department.code: department for department in departments},
        default_department=defaults[0] if defaults else "",
        calendar=await load_calendar(session),
        timezone=timezone,
    )


class RulebookCache:
    """The rulebook for `max_age` seconds at most; `invalidate()` after this process changes a
    rule. Other processes pick a change up within `max_age`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        timezone: ZoneInfo,
        max_age: float = 10.0,
    ) -> None:
        self._sessions = sessions
        self._timezone = timezone
        self._recent = Recent(self._load, max_age)

    async def _load(self) -> Rulebook:
        async with self._sessions() as session:
            return await load_rulebook(session, self._timezone)

    async def get(self) -> Rulebook:
        return await self._recent.get()

    def invalidate(self) -> None:
        self._recent.forget()
