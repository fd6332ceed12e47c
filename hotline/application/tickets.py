"""Ticket use cases: open a ticket, take a workflow action (from the API, the dispatch board,
the technician's page or a survey), each in one transaction, announced after it commits: the
ticket event, and every breach the action recorded on its way."""

from __future__ import annotations

from typing import Any

from hotline.application.unit import Core, Work, unit_of_work
from hotline.db.tables import Ticket
from hotline.services import escalations
from hotline.services import incidents as incident_service
from hotline.services import tickets as service
from hotline.services.access import FACTS_KEY, check_ticket_access, facts_json
from hotline.services.actor import Actor
from hotline.services.errors import NotFound
from hotline.services.rulebook import Rulebook
from hotline.services.tickets import ActionRequest, ActionResult, NewTicket, TicketView
from tickets.access import Deed
from tickets.types import TicketType
from tickets.workflow import Action


def _summary(view: TicketView) -> dict[str, Any]:
    """What the live feed says of a new ticket: enough for the dispatch board's alarm and the
    wallboard, not the caller's file (a feed is read by many; complaints are confidential)."""
    ticket = view.ticket
    summary: dict[str, Any] = {
        "number": ticket.number,
        "type": ticket.type,
        "subtype": ticket.subtype,
        "priority": ticket.priority,
        "area": ticket.area,
        "department": view.department.code,
    }
    if ticket.type == TicketType.REPAIR.value:
        # The crew needs the address of a gas smell at once.
        summary["address"] = ticket.address
    return summary


async def open_ticket(core: Core, actor: Actor, data: NewTicket) -> TicketView:
    rulebook = await core.rulebooks.get()
    async with unit_of_work(core) as work:
        view = await service.create_ticket(work.session, rulebook, actor, data, work.now)
        # A no-gas report filed where an outage has the gas off joins it (tickets/incidents.py
        # `joining`); a gas smell never does.
        joined = await incident_service.join_new_ticket(work.session, view.ticket, work.now)
        if joined is not None:
            work.announce(
                "incident.linked",
                {"id": joined.id, "call_linkedid": None, "ticket": view.ticket.number},
            )
        work.announce(
            "ticket.created",
            {
                "number": view.ticket.number,
                "ticket": _summary(view),
                FACTS_KEY: facts_json(view.facts()),
            },
        )
    return view


async def act_within(
    rulebook: Rulebook,
    work: Work,
    actor: Actor,
    number: str,
    action: Action,
    request: ActionRequest,
    *,
    as_part_of: Deed | None = None,
) -> ActionResult:
    """An action inside a use case's own unit of work (a survey reopening its ticket), with
    the same announcements as an action on its own. `as_part_of`: the deed the action follows
    from, which the actor must be allowed (tickets/access.py) instead of the action itself."""
    result = await service.perform_action(
        work.session, rulebook, actor, number, action, request, work.now, as_part_of=as_part_of
    )
    work.escalated(result.breaches)
    for escalation in result.withdrawn:
        work.announce_about(
            escalation.ticket_id,
            f"sla.{escalations.WITHDRAWN}",
            escalations.as_json(escalation, work.tz),
            at=work.now,
        )
    work.announce(
        "ticket.updated",
        {
            "number": number,
            "action": action.value,
            "at": work.now.astimezone(work.tz).isoformat(),
            FACTS_KEY: facts_json(result.view.facts()),
        },
    )
    return result


async def act_on_ticket(
    core: Core, actor: Actor, number: str, action: Action, request: ActionRequest
) -> ActionResult:
    # The rules are read before the transaction: on SQLite it holds the one write lock.
    rulebook = await core.rulebooks.get()
    async with unit_of_work(core) as work:
        return await act_within(rulebook, work, actor, number, action, request)


async def step_on_own_order(
    core: Core, actor: Actor, ticket_id: int, step: Action, note: str | None
) -> ActionResult:
    """A technician's step on a work order of theirs (set out, arrived, fixed)."""
    rulebook = await core.rulebooks.get()
    async with unit_of_work(core) as work:
        ticket = await work.session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound("no such work order")
        # Whose order it is, the action decides (tickets/access.py): a technician his own.
        request = ActionRequest(note=note)
        return await act_within(rulebook, work, actor, ticket.number, step, request)


async def undo_own_fix(core: Core, actor: Actor, ticket_id: int) -> TicketView:
    """A technician takes back the fix just tapped on a work order of theirs."""
    async with unit_of_work(core) as work:
        ticket = await work.session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound("no such work order")
        # Who may fix the order may take the fix back (tickets/access.py decides).
        await check_ticket_access(work.session, actor, ticket, Action.FIX)
        view = await service.undo_fix(work.session, ticket.number, actor.username, work.now)
        work.announce(
            "ticket.updated",
            {
                "number": ticket.number,
                "action": "fix_undone",
                "at": work.now.astimezone(work.tz).isoformat(),
                FACTS_KEY: facts_json(view.facts()),
            },
        )
        return view
