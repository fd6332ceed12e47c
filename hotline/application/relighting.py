"""Relighting use cases: a dispatcher books a customer's relighting visit (a window) and
records it done or not needed; the scheduler leader texts each customer the day before their
visit. The visits themselves are opened when an outage is restored (hotline/application/
incidents.py), with the callers' follow-up callbacks."""

from __future__ import annotations

from datetime import datetime

from hotline.application import sms as sms_cases
from hotline.application.incidents import INCIDENT_MANAGERS
from hotline.application.unit import Core, unit_of_work
from hotline.db.tables import RelightVisit
from hotline.services import relighting as service
from hotline.services.actor import Actor, require
from tickets.relighting import RelightDeed
from tickets.sms_templates import SmsTemplate, Window, window_parameters


def _event(visit: RelightVisit) -> dict[str, object]:
    return {"id": visit.id, "incident": visit.incident_id, "status": visit.status}


async def book(
    core: Core, actor: Actor, visit_id: int, *, start: datetime, end: datetime
) -> RelightVisit:
    require(actor, INCIDENT_MANAGERS)
    async with unit_of_work(core) as work:
        visit = await service.book(
            work.session, actor, visit_id, start=start, end=end, now=work.now
        )
        work.announce("relighting.booked", _event(visit))
    return visit


async def settle(
    core: Core,
    actor: Actor,
    visit_id: int,
    deed: RelightDeed,
    *,
    at: datetime | None = None,
    note: str | None = None,
) -> RelightVisit:
    """Done, or not needed (with the reason)."""
    require(actor, INCIDENT_MANAGERS)
    async with unit_of_work(core) as work:
        visit = await service.settle(
            work.session, actor, visit_id, deed, at=at or work.now, note=note, now=work.now
        )
        left = await service.outstanding(work.session, visit.incident_id)
        work.announce("relighting.settled", {**_event(visit), "outstanding": left})
    return visit


async def send_reminders(core: Core) -> int:
    """Scheduler job (the leader): the relighting SMS the day before each booked visit, once
    per booking; how many visits were reminded."""
    async with unit_of_work(core) as work:
        due = await service.reminders_due(work.session, work.now, work.tz)
        for reminder in due:
            visit = reminder.visit
            if not reminder.recipients:
                continue
            assert visit.window_start is not None and visit.window_end is not None
            await sms_cases.queue_in(
                work,
                core.settings,
                # A moved visit is reminded of its new window: the window is in the event.
                event=f"relight:{visit.id}:{visit.window_start.isoformat()}",
                template=SmsTemplate.RELIGHTING_REMINDER,
                parameters=window_parameters(Window(visit.window_start, visit.window_end), work.tz),
                recipients=reminder.recipients,
            )
    return len(due)
