"""One unit of work: a transaction, and the announcements it makes once it has committed.

A use case announces as it goes (`work.announce`, `work.escalated`); nothing reaches the bus
unless the transaction commits, and everything it announced does. A use case that changes the
rules in force (`work.changed_rules`) has the rule book read afresh once it commits. This is the
one place that publishes what a use case did: what happens outside our database (an agent
paused in Asterisk, a call placed, a screen popped) is told at once with `announce_now`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Escalation, Ticket, User
from hotline.events import EventBus
from hotline.services import escalations
from hotline.services.access import FACTS_KEY, facts_json, facts_of
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings


class Core(Protocol):
    """What use cases run on: settings, the database, the rules, the event bus and the clock.
    Built once by the composition root (hotline/runtime.py)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def rulebooks(self) -> RulebookCache: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


@dataclass
class CoreServices:
    """The plain Core: what the composition root builds and hands to every part."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    rulebooks: RulebookCache
    bus: EventBus
    clock: Callable[[], datetime]


@dataclass
class Work:
    """The session of one transaction, the time it runs at, and what it will announce."""

    session: AsyncSession
    now: datetime
    tz: ZoneInfo
    announcements: list[tuple[str, datetime, dict[str, Any]]] = field(default_factory=list)
    rules_changed: bool = False
    # Announcements about a ticket, by its id: they are given the ticket's facts at commit.
    about_tickets: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def announce(self, topic: str, data: dict[str, Any], at: datetime | None = None) -> None:
        self.announcements.append((topic, at or self.now, data))

    def announce_about(
        self, ticket_id: int, topic: str, data: dict[str, Any], at: datetime | None = None
    ) -> None:
        """An announcement about one ticket: it carries the ticket's facts as they stand at
        the commit, so that the live feed tells nobody named in a complaint of it."""
        self.announce(topic, data, at)
        self.about_tickets.append((ticket_id, data))

    def escalated(self, recorded: Iterable[Escalation]) -> None:
        """SLA warnings, breaches and unhappy surveys this transaction recorded."""
        for escalation in recorded:
            self.announce_about(
                escalation.ticket_id,
                escalations.topic(escalation),
                escalations.as_json(escalation, self.tz),
                at=escalation.recorded_at,
            )

    def changed_rules(self) -> None:
        """This transaction changed the rules tickets follow (departments, routing, SLA targets,
        the calendar): the next ticket must not be routed or clocked by the old ones."""
        self.rules_changed = True


async def _attach_facts(work: Work) -> None:
    """Give each announcement about a ticket that ticket's facts (services/access.py)."""
    if not work.about_tickets:
        return
    ids = {ticket_id for ticket_id, _ in work.about_tickets}
    found = await work.session.exec(select(Ticket).where(col(Ticket.id).in_(ids)))
    tickets = {ticket.id: ticket for ticket in found.all()}
    assignee_ids = {t.assignee_id for t in tickets.values() if t.assignee_id is not None}
    assignees: dict[int | None, User] = {}
    if assignee_ids:
        users = await work.session.exec(select(User).where(col(User.id).in_(assignee_ids)))
        assignees = {user.id: user for user in users.all()}
    for ticket_id, data in work.about_tickets:
        ticket = tickets.get(ticket_id)
        if ticket is not None:
            data[FACTS_KEY] = facts_json(facts_of(ticket, assignees.get(ticket.assignee_id)))


def announce_now(core: Core, topic: str, data: dict[str, Any], at: datetime | None = None) -> None:
    """Tell what happened outside our database, which has no commit to wait for."""
    core.bus.publish(topic, at or core.clock(), data)


@asynccontextmanager
async def unit_of_work(core: Core, now: datetime | None = None) -> AsyncIterator[Work]:
    """Open the transaction; commit when the block ends without an error, then publish."""
    async with core.sessions() as session:
        async with session.begin():
            work = Work(session, now or core.clock(), core.settings.timezone)
            yield work
            await _attach_facts(work)
        if work.rules_changed:
            # After the commit: a reload in between would cache the rules about to change.
            core.rulebooks.invalidate()
        for topic, at, data in work.announcements:
            announce_now(core, topic, data, at)
