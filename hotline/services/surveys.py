"""A survey taken, by a person or by the automated call: recorded, and when the customer is
unhappy (score 1-2, or the problem not solved) the ticket reopened — if it was resolved or
closed — and the supervisor told, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Escalation
from hotline.events import EventBus
from hotline.scheduler import publish_escalations
from hotline.services import callbacks as service
from hotline.services import tickets as ticket_service
from hotline.services.actor import Actor
from hotline.services.rulebook import RulebookCache
from tickets import callbacks as rules
from tickets.workflow import Action, Status

SUPERVISORS = ["role:supervisor"]


class Runtime(Protocol):
    """What a survey needs of the running app (the web context provides it)."""

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def rulebooks(self) -> RulebookCache: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


REOPENABLE = frozenset({Status.RESOLVED.value, Status.CLOSED.value})


async def apply_survey(
    context: Runtime, actor: Actor, task_id: int, survey: rules.Survey
) -> tuple[service.TaskView, bool]:
    """Record the survey; an unhappy one reopens the ticket (when it was resolved or closed)
    and escalates to the supervisor, all in one transaction (the escalation is announced
    after it commits). The task and whether the ticket was reopened."""
    now = context.clock()
    rulebook = await context.rulebooks.get()
    escalated: list[Escalation] = []
    reopened = False
    async with context.sessions() as session, session.begin():
        view = await service.record_survey(session, task_id, survey, by=actor.username, now=now)
        # A ticket still open needs no reopening; the supervisor is told all the same.
        if survey.unhappy and view.ticket.status in REOPENABLE:
            # Kept in the audit log in the utility's working language, as staff write notes.
            solved = "已解决" if survey.resolved else "未解决"
            reason = f"回访不满意：满意度 {survey.score} 分，问题{solved}"
            await ticket_service.perform_action(
                session,
                rulebook,
                actor,
                view.ticket.number,
                Action.REOPEN,
                ticket_service.ActionRequest(reason=reason, note=survey.comment),
                now,
            )
            reopened = True
        if survey.unhappy:
            assert view.ticket.id is not None and view.task.id is not None
            escalated = await ticket_service.insert_escalations(
                session,
                [
                    Escalation(
                        ticket_id=view.ticket.id,
                        clock="survey",
                        clock_started_at=view.task.event_at,
                        kind="unhappy",
                        happened_at=now,
                        recorded_at=now,
                        notify=SUPERVISORS,
                        details={
                            "number": view.ticket.number,
                            "callback": view.task.id,
                            "score": survey.score,
                            "resolved": survey.resolved,
                        },
                    )
                ],
            )
    publish_escalations(context.bus, escalated)
    return view, reopened
