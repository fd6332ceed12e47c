"""The screen pop: when a queue call connects to an agent's phone, that agent's browser gets the
caller's file at once — who they are, what is open for them, how they called before, and what
they chose in the menu.

This runs on every answered call, so it is a handful of indexed queries (and one bus event, sent
by the use case); where gas is off is read every few seconds and shared (services/gas_off.py)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow, Incident, Ticket, User
from hotline.services.customers import customer_summary_json, lookup_for_screen_pop
from hotline.services.gas_off import GasOff, gas_off_now
from hotline.services.incidents import plan_of
from hotline.services.recent import Recent
from hotline.settings import Settings
from hotline.telephony.model import CallRecord, call_json, iso_in
from tickets.incidents import expected_back
from tickets.intake import suggest
from tickets.workflow import Status

log = logging.getLogger(__name__)

# What a read from a database that is away (restarting, unreachable, not answering) raises.
DATABASE_AWAY = (DBAPIError, PoolTimeout, OSError, TimeoutError)
OPEN_TICKETS_SHOWN = 10
RECENT_CALLS_SHOWN = 5
OUTAGES_SHOWN = 5
# A new agent's interface or a deactivated one takes effect on the pop within this.
AGENT_CACHE_SECONDS = 60.0
_CLOSED = (Status.CLOSED.value,)


class ScreenPop:
    """What a screen pop shows; the use case (hotline/application/calls.py) announces it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        gas_off: Recent[GasOff] | None = None,
    ) -> None:
        self._sessions = sessions
        self._gas_off = gas_off or gas_off_now(sessions)
        self._tz = settings.timezone
        # The active users' phone interfaces: interface -> username.
        self._phones: Recent[dict[str, str]] = Recent(self._read_phones, AGENT_CACHE_SECONDS)

    async def payload(self, call: CallRecord) -> dict[str, Any] | None:
        """The caller's file for the agent who answered (`user`), or None when no user has
        the interface that answered. With the database away the pop still goes, to the agent
        last known on that phone, with what the call itself says (number, menu choice) and
        `file_unavailable`: the agent takes the call and looks the caller up once it is back."""
        username = await self._agent_name(call.agent_interface)
        if username is None:
            return None
        try:
            return await self._with_file(username, call)
        except DATABASE_AWAY as error:
            log.warning("screen pop for %s without the caller's file: %s", username, error)
            return self._without_file(username, call)

    async def _with_file(self, username: str, call: CallRecord) -> dict[str, Any]:
        async with self._sessions() as session:
            customer = await lookup_for_screen_pop(session, call.caller)
            customer_id = customer.customer.id if customer is not None else call.customer_id
            tickets = await self._open_tickets(session, customer_id, call.caller)
            calls = await self._recent_calls(session, customer_id, call)
        areas = {a.area for a in customer.addresses if a.area} if customer is not None else set()
        account = customer.customer.account_number if customer is not None else None
        gas_off = await self._gas_off.get()
        outages = [outage.ticket for outage in gas_off.tickets_in(areas, OUTAGES_SHOWN)]
        incidents = gas_off.incidents_for(areas, account)
        return {
            **self._of_the_call(username, call),
            "customer": customer_summary_json(customer) if customer is not None else None,
            "unknown_caller": customer is None,
            "open_tickets": [self._ticket_json(ticket) for ticket in tickets],
            "recent_calls": [call_json(row, self._tz) for row in calls],
            "outages": [self._ticket_json(ticket) | {"area": ticket.area} for ticket in outages],
            # Outages (incidents) where the caller's gas is off: what to tell them, and the
            # incident to join the call to in one click.
            "incidents": [self._incident_json(i) for i in incidents[:OUTAGES_SHOWN]],
        }

    def _without_file(self, username: str, call: CallRecord) -> dict[str, Any]:
        return {
            **self._of_the_call(username, call),
            "customer": None,
            # Not known to be unknown: the file could not be read.
            "unknown_caller": False,
            "file_unavailable": True,
            "open_tickets": [],
            "recent_calls": [],
            "outages": [],
            "incidents": [],
        }

    def _of_the_call(self, username: str, call: CallRecord) -> dict[str, Any]:
        """What the pop says from the call alone, the database or not."""
        suggestion = suggest(call.ivr_choice)
        return {
            "user": username,
            "call": call_json(call, self._tz),
            "file_unavailable": False,
            "suggested": {
                "type": suggestion.type.value,
                "subtype": suggestion.subtype,
                "emergency": suggestion.emergency,
            }
            if suggestion is not None
            else None,
        }

    def _incident_json(self, incident: Incident) -> dict[str, Any]:
        return {
            "id": incident.id,
            "title": incident.title,
            "kind": incident.kind,
            "cause": incident.cause,
            "status": incident.status,
            "areas": list(incident.areas),
            "expected_restoration": iso_in(expected_back(plan_of(incident)), self._tz),
            "apology": incident.apology,
            "agent_script": incident.agent_script,
        }

    async def _agent_name(self, interface: str | None) -> str | None:
        """Who answers on `interface`, from everyone's phones read once a minute at most (not
        on every call); while the database is away, as they were when last read."""
        if not interface:
            return None
        try:
            phones = await self._phones.get()
        except DATABASE_AWAY:
            known = self._phones.last_known()
            if known is None:
                raise
            phones = known
        return phones.get(interface)

    async def _read_phones(self) -> dict[str, str]:
        async with self._sessions() as session:
            statement = select(User.interface, User.username).where(
                col(User.interface).is_not(None), col(User.active)
            )
            return {
                interface: username
                for interface, username in (await session.exec(statement)).all()
                if interface
            }

    @staticmethod
    async def _open_tickets(
        session: AsyncSession, customer_id: int | None, caller: str | None
    ) -> list[Ticket]:
        owners = []
        if customer_id is not None:
            owners.append(col(Ticket.customer_id) == customer_id)
        if caller:
            owners.append(col(Ticket.caller_phone) == caller)
        if not owners:
            return []
        statement = (
            select(Ticket)
            .where(or_(*owners), col(Ticket.status).not_in(_CLOSED))
            .order_by(col(Ticket.received_at).desc())
            .limit(OPEN_TICKETS_SHOWN)
        )
        return list((await session.exec(statement)).all())

    @staticmethod
    async def _recent_calls(
        session: AsyncSession, customer_id: int | None, call: CallRecord
    ) -> list[CallRow]:
        owners = []
        if customer_id is not None:
            owners.append(col(CallRow.customer_id) == customer_id)
        if call.caller:
            owners.append(col(CallRow.caller) == call.caller)
        if not owners:
            return []
        statement = (
            select(CallRow)
            .where(or_(*owners), col(CallRow.linkedid) != call.linkedid)
            .order_by(col(CallRow.started_at).desc())
            .limit(RECENT_CALLS_SHOWN)
        )
        return list((await session.exec(statement)).all())

    def _ticket_json(self, ticket: Ticket) -> dict[str, Any]:
        return {
            "number": ticket.number,
            "type": ticket.type,
            "subtype": ticket.subtype,
            "status": ticket.status,
            "priority": ticket.priority,
            "description": ticket.description,
            "received_at": iso_in(ticket.received_at, self._tz),
        }
