"""Dispatch use cases: crews (added, changed, deleted, restored), visits booked, moved,
cancelled and done, and the visits whose window passed with nobody there (announced to the
dispatchers after the commit). A booked or moved visit queues its SMS to the customer in the
same transaction."""

from __future__ import annotations

from datetime import datetime

from hotline.application import sms as sms_cases
from hotline.application.unit import Core, Work, unit_of_work
from hotline.db.tables import Crew, Ticket, Visit
from hotline.services import crews
from hotline.services import dispatch as service
from hotline.services.actor import Actor, require
from hotline.services.crews import RemovedCrew
from hotline.services.sms_outbox import Recipient
from tickets.crews import CrewForm
from tickets.sms_sending import receives_sms
from tickets.sms_templates import SmsTemplate, Window, window_parameters
from tickets.workflow import CREW_ADMINS


async def create_crew(
    core: Core,
    actor: Actor,
    *,
    code: str,
    name: str,
    areas: list[str],
    members: list[str],
    shift: tuple[str, str],
) -> Crew:
    require(actor, CREW_ADMINS)
    async with unit_of_work(core) as work:
        return await crews.create_crew(
            work.session,
            code=code,
            form=CrewForm(name, tuple(areas), *shift),
            members=members,
            now=work.now,
            by=actor.username,
        )


async def update_crew(
    core: Core, actor: Actor, crew_id: int, form: CrewForm, members: list[str]
) -> Crew:
    require(actor, CREW_ADMINS)
    async with unit_of_work(core) as work:
        return await crews.update_crew(
            work.session, crew_id, form, members, work.now, actor.username
        )


async def delete_crew(core: Core, actor: Actor, crew_id: int) -> RemovedCrew:
    """The crew deleted; what it was and who was in it are returned, for an undo."""
    require(actor, CREW_ADMINS)
    async with unit_of_work(core) as work:
        return await crews.delete_crew(work.session, crew_id, work.now, actor.username)


async def restore_crew(core: Core, actor: Actor, removed: RemovedCrew) -> list[str]:
    """The deleted crew back (undo); the technicians who joined another crew meanwhile."""
    require(actor, CREW_ADMINS)
    async with unit_of_work(core) as work:
        return await crews.restore_crew(work.session, removed, work.now, actor.username)


async def book_visit(
    core: Core,
    actor: Actor,
    number: str,
    *,
    technician: str,
    start: datetime,
    end: datetime,
    consent: bool,
) -> tuple[Visit, datetime | None]:
    """The visit, and the repair's fix deadline when the visit ends after it (a late fix
    foretold: the dispatcher is told)."""
    rulebook = await core.rulebooks.get()
    async with unit_of_work(core) as work:
        visit = await service.book_visit(
            work.session,
            rulebook,
            actor,
            number,
            technician=technician,
            start=start,
            end=end,
            consent=consent,
            now=work.now,
        )
        fix_due = await service.fix_deadline_before_visit_ends(work.session, visit, work.now)
        await _tell_customer(work, core, visit, SmsTemplate.VISIT_CONFIRMED, "confirmed")
    return visit, fix_due


async def reschedule_visit(
    core: Core,
    actor: Actor,
    visit_id: int,
    *,
    start: datetime,
    end: datetime,
    reason: str,
    customer_told_at: datetime | None,
    technician: str | None = None,
) -> tuple[Visit, Visit]:
    """The visit moved away from, and the one booked in its place."""
    rulebook = await core.rulebooks.get()
    async with unit_of_work(core) as work:
        moved, booked = await service.reschedule_visit(
            work.session,
            rulebook,
            actor,
            visit_id,
            start=start,
            end=end,
            reason=reason,
            customer_told_at=customer_told_at,
            now=work.now,
            technician=technician,
        )
        await _tell_customer(work, core, booked, SmsTemplate.VISIT_CHANGED, "changed")
    return moved, booked


async def _tell_customer(
    work: Work, core: Core, visit: Visit, template: SmsTemplate, change: str
) -> None:
    """The appointment by SMS to the caller's mobile, committed with the booking (a fixed
    line or no number: the agent tells them by phone, as before)."""
    ticket = await work.session.get(Ticket, visit.ticket_id)
    if ticket is None or not ticket.caller_phone or not receives_sms(ticket.caller_phone):
        return
    await sms_cases.queue_in(
        work,
        core.settings,
        event=f"visit:{visit.id}:{change}",
        template=template,
        parameters={
            "ticket": ticket.number,
            **window_parameters(Window(visit.window_start, visit.window_end), work.tz),
        },
        recipients=[Recipient(ticket.caller_phone, ticket.customer_id)],
    )


async def cancel_visit(
    core: Core, actor: Actor, visit_id: int, *, reason: str, customer_told_at: datetime | None
) -> Visit:
    async with unit_of_work(core) as work:
        return await service.cancel_visit(
            work.session,
            actor,
            visit_id,
            reason=reason,
            customer_told_at=customer_told_at,
            now=work.now,
        )


async def complete_visit(
    core: Core, actor: Actor, visit_id: int, at: datetime | None = None
) -> Visit:
    async with unit_of_work(core) as work:
        return await service.complete_visit(
            work.session, actor, visit_id, at=at or work.now, now=work.now, tz=work.tz
        )


async def mark_missed_visits(core: Core) -> int:
    """Visits whose window passed with nobody there: missed, against the crew, and the
    dispatchers told. Returns how many."""
    async with unit_of_work(core) as work:
        missed = await service.mark_missed(work.session, work.now)
        for visit, ticket in missed:
            assert ticket.id is not None
            work.announce_about(
                ticket.id,
                "ticket.visit_missed",
                {"ticket": ticket.number, "visit": visit.id, "against_crew": True},
            )
    return len(missed)
