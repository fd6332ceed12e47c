"""Where gas is off right now: the incidents where it is off or about to be, and outage tickets
entered without an incident with when gas should be back.

The voice menu and the screen pop ask on every call. On an outage evening that is a hundred
callers a second, asking about the same one or two outages: the answer is read once every few
seconds and shared by every call meanwhile, not read per call. It is read again at once when
an event says an outage changed (`forget_on_change`: events reach every worker), and at the
latest after `max_age`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Incident, SlaClockRow, Ticket
from hotline.events import Event, EventBus
from hotline.services.access import FACTS_KEY
from hotline.services.incidents import list_incidents
from hotline.services.recent import Recent
from tickets import incidents as rules
from tickets.sla import ClockName
from tickets.types import TicketType
from tickets.workflow import Status

# How stale an announcement may be: an outage entered is announced within this.
MAX_AGE_SECONDS = 3.0
# Outage tickets not yet over are few (an incident carries a large outage): this bounds a
# runaway, it is not a page size.
TICKETS_READ = 500
_OVER = (Status.RESOLVED.value, Status.CLOSED.value)


@dataclass(frozen=True)
class OutageTicket:
    """An outage ticket not yet over and when gas should be back: the running restore clock's
    deadline, else the planned end."""

    ticket: Ticket
    restore_at: datetime | None


@dataclass(frozen=True)
class GasOff:
    # The latest announced first.
    incidents: tuple[Incident, ...]
    # The latest reported first.
    outage_tickets: tuple[OutageTicket, ...]

    def incidents_for(self, areas: Iterable[str], account: str | None) -> list[Incident]:
        """Incidents affecting a customer in these areas or with this account."""
        wanted = set(areas)
        return [
            incident
            for incident in self.incidents
            if rules.affects(incident.areas, incident.accounts, wanted, account or "")
        ]

    def tickets_in(self, areas: Iterable[str], limit: int) -> list[OutageTicket]:
        wanted = set(areas)
        return [o for o in self.outage_tickets if o.ticket.area in wanted][:limit]


async def read_gas_off(session: AsyncSession) -> GasOff:
    incidents = await list_incidents(session, sorted(rules.GAS_OFF))
    tickets = list(
        (
            await session.exec(
                select(Ticket)
                .where(
                    col(Ticket.type) == TicketType.OUTAGE.value,
                    col(Ticket.area).is_not(None),
                    col(Ticket.status).not_in(_OVER),
                )
                .order_by(col(Ticket.received_at).desc(), col(Ticket.id).desc())
                .limit(TICKETS_READ)
            )
        ).all()
    )
    restore_due: dict[int | None, datetime] = {}
    if tickets:
        rows = await session.exec(
            select(SlaClockRow.ticket_id, SlaClockRow.due_at).where(
                col(SlaClockRow.ticket_id).in_([t.id for t in tickets]),
                col(SlaClockRow.name) == ClockName.RESTORE.value,
                col(SlaClockRow.stopped_at).is_(None),
            )
        )
        restore_due = {ticket_id: due for ticket_id, due in rows.all()}
    return GasOff(
        tuple(incidents),
        tuple(OutageTicket(t, restore_due.get(t.id, t.appointment_end)) for t in tickets),
    )


# What an incident does to where gas is off; its other events (a call linked, a suggestion)
# change nothing there.
_INCIDENT_CHANGES = frozenset(
    {
        "incident.announced",
        "incident.short_notice",
        "incident.started",
        "incident.restored",
        "incident.relit",
        "incident.closed",
    }
)
_TICKET_CHANGES = frozenset({"ticket.created", "ticket.updated"})


def changes_gas_off(event: Event) -> bool:
    if event.topic in _INCIDENT_CHANGES:
        return True
    facts = event.data.get(FACTS_KEY)
    return (
        event.topic in _TICKET_CHANGES
        and isinstance(facts, dict)
        and facts.get("type") == TicketType.OUTAGE.value
    )


def forget_on_change(gas_off: Recent[GasOff], bus: EventBus) -> None:
    def listener(event: Event) -> None:
        if changes_gas_off(event):
            gas_off.forget()

    bus.listeners.append(listener)


def gas_off_now(
    sessions: async_sessionmaker[AsyncSession], max_age: float = MAX_AGE_SECONDS
) -> Recent[GasOff]:
    async def read() -> GasOff:
        async with sessions() as session:
            return await read_gas_off(session)

    return Recent(read, max_age)
