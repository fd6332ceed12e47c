"""Follow-up callback use cases: a task handed to someone, an attempt recorded (by quality
staff or by the automated survey call), due tasks put forward on the worklist (announced to
the quality staff after the commit), and the survey calls dialled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from hotline.application.unit import Core, unit_of_work
from hotline.services import callbacks as service
from hotline.services.actor import Actor
from tickets.callbacks import Outcome


def due_event(view: service.TaskView, core: Core) -> dict[str, Any]:
    tz = core.settings.timezone
    return {
        "id": view.task.id,
        "ticket": view.ticket.number if view.ticket is not None else None,
        "incident": view.task.incident_id,
        "kind": view.task.kind,
        "not_before": view.task.not_before.astimezone(tz).isoformat(),
        "due_by": view.task.due_by.astimezone(tz).isoformat(),
        "attempts": view.task.attempts,
    }


async def assign(core: Core, actor: Actor, task_id: int, assignee: str | None) -> service.TaskView:
    async with unit_of_work(core) as work:
        return await service.assign_task(work.session, task_id, assignee, actor=actor, now=work.now)


async def record_attempt(
    core: Core,
    by: Actor | str,
    task_id: int,
    outcome: Outcome,
    *,
    at: datetime | None = None,
    note: str | None = None,
    call_linkedid: str | None = None,
    reason: str | None = None,
) -> service.TaskView:
    """`by`: the person recording the attempt (held to tickets/access.py), or the name of the
    script that made it (the dialler, the survey call)."""
    async with unit_of_work(core) as work:
        return await service.record_attempt(
            work.session,
            task_id,
            outcome,
            at=at or work.now,
            by=by if isinstance(by, str) else by.username,
            actor=None if isinstance(by, str) else by,
            now=work.now,
            tz=work.tz,
            note=note,
            call_linkedid=call_linkedid,
            reason=reason,
        )


async def offer_due(core: Core, stopping: Callable[[], bool]) -> int:
    """Put the callbacks whose time has come on the worklist, each once per attempt, a batch
    per transaction; each batch announced after its commit. Returns how many."""
    offered = 0
    while not stopping():
        async with unit_of_work(core) as work:
            views = await service.offer_due(work.session, work.now)
            for view in views:
                if view.ticket is None:
                    # An outage caller's: no ticket whose facts could hide it from anyone.
                    work.announce("callback.due", due_event(view, core))
                    continue
                assert view.ticket.id is not None
                work.announce_about(view.ticket.id, "callback.due", due_event(view, core))
        offered += len(views)
        if len(views) < service.OFFER_BATCH:
            break
    return offered


async def dial_surveys(
    core: Core, dialler: Callable[[service.TaskView], Awaitable[str]], local_area_code: str
) -> int:
    """Settle the survey calls that ended without a survey, then — when automated calls are
    on — dial the tasks whose time has come. Returns how many were dialled."""
    async with unit_of_work(core) as work:
        await service.settle_dials(work.session, work.now, work.tz)
        if not (await service.load_policy(work.session)).automated_calls:
            return 0
        views = await service.claim_for_dialling(work.session, work.now, work.tz, local_area_code)
    # Each task's Originate ActionID was reserved with its claim (committed before it rings).
    for view in views:
        await dialler(view)
    return len(views)
