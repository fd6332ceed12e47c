"""The phone system in the hotline's work: an agent stepping away from the queues and back, a
call placed from the console (for a ticket, or not), and the caller's file popped on the
agent's screen when a queue call connects to them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlmodel import col, select

from hotline.application.unit import Core, announce_now, unit_of_work
from hotline.db.tables import CallRow
from hotline.i18n import N_
from hotline.services import audit
from hotline.services import tickets as ticket_service
from hotline.services.actor import Actor, require
from hotline.services.errors import Forbidden, Invalid, Refused, Unavailable
from hotline.telephony import phones
from hotline.telephony.model import CallRecord, Direction
from hotline.telephony.screenpop import ScreenPop
from hotline.telephony.service import Telephony
from hotline.telephony.writer import record_of
from tickets.access import Use
from tickets.phones import PhoneError, mask_phone, may_dial, normalise_phone
from tickets.workflow import CALLERS, QUEUE_AGENTS

log = logging.getLogger(__name__)

AgentState = Literal["ready", "away"]
# How far back a call the agent is still on is looked for when their feed opens.
CALL_IN_PROGRESS_WITHIN = timedelta(hours=4)


@dataclass(frozen=True)
class CallRequest:
    number: str  # as typed: any form a person writes a phone number in
    ticket: str | None = None  # the ticket's number, when the call is for one
    server: str | None = None  # which Asterisk, when there are several


@dataclass(frozen=True)
class PlacedCall:
    originate_action_id: str  # the call log shows the call under it
    number: str


def _phone_of(actor: Actor) -> str:
    if not actor.interface:
        raise Invalid(
            N_("your user has no phone (queue-member interface) to ring first"),
            {"interface": N_("not set for your user")},
        )
    return actor.interface


async def set_agent_status(
    core: Core,
    telephony: Telephony | None,
    actor: Actor,
    state: AgentState,
    reason: str | None = None,
) -> None:
    """Away: no queue rings the agent's phone until they are ready again."""
    require(actor, QUEUE_AGENTS)
    interface = _phone_of(actor)
    await phones.pause_agent(phones.running(telephony), interface, state == "away", reason)
    announce_now(core, "agent.status", {"user": actor.username, "state": state})


async def click_to_call(
    core: Core, telephony: Telephony | None, actor: Actor, request: CallRequest
) -> PlacedCall:
    """The actor's phone rings, then the customer's. Who asked for which call is recorded
    (on the ticket's history when it is for one) before the call is placed, so no call rings
    a customer without a trace; a call the phone system does not place is recorded as failed."""
    require(actor, CALLERS)
    interface = _phone_of(actor)
    settings = core.settings
    try:
        number = normalise_phone(request.number, settings.local_area_code)
    except PhoneError as error:
        raise Invalid(str(error), {"number": str(error)}) from error
    if not may_dial(number, settings.dial_prefixes):
        raise Invalid(
            N_("this number is outside the areas the hotline may call"),
            {"number": N_("not an allowed prefix (HOTLINE_DIAL_PREFIXES)")},
            code="number_not_allowed",
        )
    pbx = phones.running(telephony)
    action_id = phones.reserve_call(pbx, request.server)
    entity, key, ticket_id = "call", action_id, None
    async with unit_of_work(core) as work:
        if request.ticket is not None:
            view = await ticket_service.get_ticket(work.session, request.ticket)
            if not view.allows(actor, Use.CALL):
                raise Forbidden(
                    N_("a complainant is called only by those who may see their details")
                )
            entity, key, ticket_id = "ticket", view.ticket.number, view.ticket.id
        await audit.record(
            work.session,
            at=work.now,
            actor=actor.username,
            entity=entity,
            key=key,
            action="call",
            after={"number": mask_phone(number), "originate": action_id},
        )
    try:
        await phones.place_call(
            pbx,
            action_id,
            interface=interface,
            number=number,
            context=settings.outbound_context,
            caller_id=settings.outbound_caller_id,
            ticket_id=ticket_id,
            requested_by_user_id=actor.user_id,
            server=request.server,
        )
    except (Refused, Unavailable) as error:
        async with unit_of_work(core) as work:
            await audit.record(
                work.session,
                at=work.now,
                actor=actor.username,
                entity=entity,
                key=key,
                action="call_failed",
                after={"originate": action_id},
                note=error.message,
            )
        raise
    announce_now(
        core, "call.originated", {"originate_action_id": action_id, "user": actor.username}
    )
    return PlacedCall(action_id, number)


async def pop_screen(core: Core, pop: ScreenPop, call: CallRecord) -> None:
    """A queue call connected to an agent's phone: the caller's file goes to that agent's
    browser alone (a topic per agent: with hundreds of feeds open, only theirs is woken)."""
    try:
        payload = await pop.payload(call)
    except Exception:
        # A failed pop must not take the call tracking with it; the agent can still search.
        log.exception("screen pop failed for call %s", call.linkedid)
        return
    if payload is None:
        log.info(
            "call %s answered by %s: no user has that interface",
            call.linkedid,
            call.agent_interface,
        )
        return
    announce_now(core, f"screenpop.{payload['user']}", payload)
    log.info("screen pop for %s: caller %s", payload["user"], mask_phone(call.caller))


async def pop_of_call_in_progress(
    core: Core, pop: ScreenPop, actor: Actor
) -> dict[str, Any] | None:
    """The screen pop of the queue call this agent is on now, for a live feed that opens
    mid-call: the browser came back after its worker died or the network dropped, or the page
    was reloaded — a pop sent meanwhile reached no feed. Marked `replayed`; the desk shows a
    call's pop once however often it comes. None when they are on no answered call."""
    if actor.interface is None:
        return None
    async with core.sessions() as session:
        rows = await session.exec(
            select(CallRow)
            .where(
                col(CallRow.agent_user_id) == actor.user_id,
                col(CallRow.direction) == Direction.INBOUND.value,
                col(CallRow.started_at) >= core.clock() - CALL_IN_PROGRESS_WITHIN,
                col(CallRow.answered_at).is_not(None),
                col(CallRow.ended_at).is_(None),
            )
            .order_by(col(CallRow.answered_at).desc())
            .limit(1)
        )
        row = rows.first()
    if row is None:
        return None
    payload = await pop.payload(record_of(row))
    if payload is None or payload["user"] != actor.username:
        return None
    return {**payload, "replayed": True}
