"""A survey taken, by a person or by the automated call: recorded, and when the customer is
unhappy (score 1-2, or the problem not solved) the ticket reopened — if it was resolved or
closed — and the supervisors told, in one transaction, announced after it commits. An outage's
caller called back without a ticket has nothing to reopen: `incident.follow_up_unhappy`."""

from __future__ import annotations

from hotline.application.tickets import act_within
from hotline.application.unit import Core, unit_of_work
from hotline.services import callbacks as service
from hotline.services import escalations
from hotline.services.actor import Actor
from hotline.services.tickets import ActionRequest
from tickets import callbacks as rules
from tickets.access import Use
from tickets.workflow import Action, Status

REOPENABLE = frozenset({Status.RESOLVED.value, Status.CLOSED.value})


async def take_survey(
    core: Core, actor: Actor, task_id: int, survey: rules.Survey
) -> tuple[service.TaskView, bool]:
    """The task after the survey, and whether the ticket was reopened."""
    rulebook = await core.rulebooks.get()
    reopened = False
    async with unit_of_work(core) as work:
        now = work.now
        view = await service.record_survey(work.session, task_id, survey, actor=actor, now=now)
        ticket = view.ticket
        if ticket is None:
            # An outage's caller without a ticket: nothing to reopen; the outage's feed says so
            # (no personal data), and the outage report counts the survey.
            if survey.unhappy:
                work.announce(
                    "incident.follow_up_unhappy",
                    {
                        "id": view.task.incident_id,
                        "callback": view.task.id,
                        "score": survey.score,
                        "resolved": survey.resolved,
                    },
                )
            return view, False
        # A ticket still open needs no reopening; the supervisors are told all the same.
        if survey.unhappy and ticket.status in REOPENABLE:
            # Kept in the audit log in the utility's working language, as staff write notes.
            solved = "已解决" if survey.resolved else "未解决"
            reason = f"回访不满意：满意度 {survey.score} 分，问题{solved}"
            await act_within(
                rulebook,
                work,
                actor,
                ticket.number,
                Action.REOPEN,
                ActionRequest(reason=reason, note=survey.comment),
                as_part_of=Use.CALLBACK,
            )
            reopened = True
        if survey.unhappy:
            assert ticket.id is not None and view.task.id is not None
            unhappy = escalations.unhappy_survey(
                ticket_id=ticket.id,
                number=ticket.number,
                callback_id=view.task.id,
                event_at=view.task.event_at,
                survey=survey,
                now=now,
            )
            work.escalated(await escalations.insert(work.session, [unhappy]))
    return view, reopened
