"""Tickets, clocks, history and visits as JSON. Times are ISO 8601 in the utility's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.db.tables import AuditEntry, Ticket, Visit
from hotline.services import escalations
from hotline.services.actor import Actor
from hotline.services.ivr_lookups import OutageCallers
from hotline.services.tickets import TicketView
from tickets.access import Use
from tickets.phones import mask_phone
from tickets.sla import Clock, ClockState

HIDDEN = "***"


def iso(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat() if moment is not None else None


def clock_json(clock: Clock, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    state = clock.state(now)
    due_at = clock.due_at_as_of(now)
    paused_seconds = clock.paused_seconds
    if clock.paused_at is not None and now > clock.paused_at:
        paused_seconds += (now - clock.paused_at).total_seconds()
    return {
        "name": clock.name.value,
        "state": state.value,
        "due_at": iso(due_at, tz),
        "met_at": iso(clock.stopped_at, tz) if state is ClockState.MET else None,
        "stopped_at": iso(clock.stopped_at, tz),
        "warned_at": iso(clock.warned_at, tz),
        "breached_at": iso(clock.breached_at, tz),
        "paused_seconds": round(paused_seconds, 3),
        "started_at": iso(clock.started_at, tz),
        "warn_at": iso(clock.warn_at, tz),
        "original_due_at": iso(clock.original_due_at, tz),
        "basis": clock.basis.value,
        "extension_reason": clock.extension_reason,
        "extensions": clock.extensions,
        "looser_than_rules": clock.looser_than_rules,
        "extension_agreed_via": clock.extension_agreed_via,
        "extension_agreed_at": iso(clock.extension_agreed_at, tz),
        "estimated": clock.estimated,
        "pause_limit_seconds": clock.pause_limit_seconds,
        "remaining_seconds": None
        if clock.stopped_at is not None
        else round((due_at - now).total_seconds(), 3),
    }


def ticket_json(view: TicketView, actor: Actor, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The ticket as `actor` may see it (tickets/access.py): a complainant they may not see
    is masked — with nothing that leads to them (the customer's id, the call's linkedid) —
    and staff named in a complaint do not read its description either."""
    ticket = view.ticket
    visible = view.allows(actor, Use.SEE_COMPLAINANT)
    readable = view.allows(actor, Use.SEE_DESCRIPTION)
    customer = None
    if view.customer is not None:
        customer = {
            "id": view.customer.id if visible else None,
            "account_number": view.customer.account_number if visible else HIDDEN,
            "name": view.customer.name if visible else HIDDEN,
            "special_care": view.customer.special_care if visible else None,
        }
    return {
        "number": ticket.number,
        "type": ticket.type,
        "subtype": ticket.subtype,
        "special": ticket.special,
        "special_reason": ticket.special_reason,
        "status": ticket.status,
        "priority": ticket.priority,
        "department": view.department.code,
        "department_name": view.department.name,
        "assignee": view.assignee.username if view.assignee else None,
        "customer": customer,
        "caller_phone": ticket.caller_phone if visible else mask_phone(ticket.caller_phone),
        "caller_name": ticket.caller_name if visible else (HIDDEN if ticket.caller_name else None),
        "address": ticket.address if visible else (HIDDEN if ticket.address else None),
        "area": ticket.area,
        "description": ticket.description if readable else HIDDEN,
        "call_linkedid": ticket.call_linkedid if visible else None,
        "named_staff": ticket.named_staff if visible else [],
        "appointment": {
            "start": iso(ticket.appointment_start, tz),
            "end": iso(ticket.appointment_end, tz),
        }
        if ticket.appointment_start is not None
        else None,
        "waiting_for": ticket.waiting_for,
        "reopened": ticket.reopened,
        "resolution": ticket.resolution,
        "resolution_reason": ticket.resolution_reason,
        "received_at": iso(ticket.received_at, tz),
        "created_at": iso(ticket.created_at, tz),
        "updated_at": iso(ticket.updated_at, tz),
        "created_by": ticket.created_by,
        "clocks": [clock_json(clock, now, tz) for clock in view.clocks],
    }


def audit_json(entry: AuditEntry, tz: ZoneInfo, *, readable: bool = True) -> dict[str, Any]:
    """`readable`: whether the reader may read what was written about the matter (the notes:
    what the complainant was told); staff named in a complaint may not."""
    return {
        "at": iso(entry.at, tz),
        "actor": entry.actor,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "note": entry.note if readable or entry.note is None else HIDDEN,
    }


def ticket_detail_json(
    view: TicketView,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    outage_callers: OutageCallers | None = None,
) -> dict[str, Any]:
    body = ticket_json(view, actor, now, tz)
    if outage_callers is not None:
        body["outage_callers"] = {
            "heard_notice": outage_callers.heard_notice,
            "called_about_it": outage_callers.called_about_it,
        }
    body["allowed_actions"] = [action.value for action in view.allowed_actions(actor)]
    readable = view.allows(actor, Use.SEE_DESCRIPTION)
    body["history"] = [audit_json(entry, tz, readable=readable) for entry in view.history]
    body["escalations"] = [escalations.as_json(escalation, tz) for escalation in view.escalations]
    return body


def visit_json(visit: Visit, tz: ZoneInfo, ticket: Ticket | None = None) -> dict[str, Any]:
    return {
        "id": visit.id,
        "ticket": ticket.number if ticket else None,
        "status": visit.status,
        "start": iso(visit.window_start, tz),
        "end": iso(visit.window_end, tz),
        "crew_id": visit.crew_id,
        "technician_id": visit.technician_id,
        "customer_consent": visit.customer_consent,
        "change_reason": visit.change_reason,
        "customer_told_at": iso(visit.customer_told_at, tz),
        "against_crew": visit.against_crew,
        "replaced_by": visit.replaced_by,
        "done_at": iso(visit.done_at, tz),
    }
