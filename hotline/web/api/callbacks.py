"""Follow-up callbacks over HTTP: the quality staff's worklist, attempts, surveys. An unhappy
survey (score 1-2, or not resolved) reopens the ticket and escalates to the supervisor."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import callbacks as callback_cases
from hotline.application import surveys as survey_cases
from hotline.services import callbacks as service
from hotline.services.actor import Actor
from hotline.web.api.registry import ApiRoute, parse_body, parse_query, path_id
from hotline.web.api.render import HIDDEN, iso
from hotline.web.api.schemas import AssignIn, AttemptIn, CallbackQuery, SurveyIn
from hotline.web.context import context_of
from tickets import callbacks as rules
from tickets.access import Use
from tickets.phones import mask_phone
from tickets.workflow import CALLBACK_STAFF


def task_json(view: service.TaskView, actor: Actor, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The task as `actor` may see it: staff named in the complaint see no complainant. An
    outage's caller without a ticket has the outage and the number instead."""
    task = view.task
    ticket = view.ticket
    visible = view.allows(actor, Use.SEE_COMPLAINANT)
    status = rules.TaskStatus(task.status)
    return {
        "id": task.id,
        "ticket": ticket.number if ticket is not None else None,
        "ticket_type": ticket.type if ticket is not None else None,
        "incident": task.incident_id,
        "incident_title": view.incident.title if view.incident is not None else None,
        "kind": task.kind,
        "status": task.status,
        "not_before": iso(task.not_before, tz),
        "due_by": iso(task.due_by, tz),
        "overdue": not status.finished and task.due_by < now,
        "attempts": task.attempts,
        "history": [
            {
                "at": iso(attempt.at, tz),
                "outcome": attempt.outcome,
                "by": attempt.by,
                "note": attempt.note if visible else HIDDEN,
                "reason": attempt.reason,
                "call_linkedid": attempt.call_linkedid if visible else None,
            }
            for attempt in view.attempts
        ],
        "survey": task.survey if visible else None,
        "caller_phone": view.phone if visible else mask_phone(view.phone),
        "caller_name": (ticket.caller_name if ticket is not None else None) if visible else HIDDEN,
        "customer_id": (ticket.customer_id if ticket is not None else None) if visible else None,
        "assignee": view.assignee.username if view.assignee else None,
    }


def _task_id(request: Request) -> int:
    return path_id(request, "task_id", "a callback task id is a number")


async def list_callbacks(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    query = parse_query(request, CallbackQuery)
    now = context.clock()
    async with context.sessions() as session:
        page = await service.list_tasks(
            session,
            service.TaskFilter(
                status=query.status or None,
                due=query.due,
                ticket=query.ticket,
                incident=query.incident,
                assignee=query.assignee,
                unassigned=query.unassigned,
                page=query.page,
                per_page=query.per_page,
            ),
            now,
        )
    tz = context.settings.timezone
    return JSONResponse(
        {
            "items": [task_json(view, actor, now, tz) for view in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "has_more": page.has_more,
        }
    )


async def assign(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, AssignIn)
    view = await callback_cases.assign(context, actor, _task_id(request), body.assignee)
    return JSONResponse(task_json(view, actor, context.clock(), context.settings.timezone))


async def record_attempt(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, AttemptIn)
    view = await callback_cases.record_attempt(
        context,
        actor,
        _task_id(request),
        body.outcome,
        at=body.at,
        note=body.note,
        call_linkedid=body.call_linkedid,
        reason=body.reason,
    )
    return JSONResponse(task_json(view, actor, context.clock(), context.settings.timezone))


async def record_survey(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, SurveyIn)
    survey = rules.Survey(body.score, body.resolved, body.on_time, body.courtesy, body.comment)
    view, reopened = await survey_cases.take_survey(context, actor, _task_id(request), survey)
    tz = context.settings.timezone
    return JSONResponse({**task_json(view, actor, context.clock(), tz), "reopened": reopened})


ROUTES = [
    ApiRoute(
        "GET",
        "/api/callbacks",
        list_callbacks,
        "Follow-up callback tasks, soonest due first (filters: status, due, ticket, incident,"
        " assignee, unassigned); an outage's caller who joined it only by a call has the outage"
        " and the number instead of a ticket",
        CALLBACK_STAFF,
        query=CallbackQuery,
        responses={200: "callback tasks"},
        tag="callbacks",
    ),
    ApiRoute(
        "POST",
        "/api/callbacks/{task_id}/assign",
        assign,
        "Give the task to a quality staff member or supervisor (null: back to the pool); quality"
        " staff take free tasks and hand back their own",
        CALLBACK_STAFF,
        body=AssignIn,
        responses={
            200: "the task with its new holder",
            403: "held by someone else",
            409: "the task is finished",
        },
        tag="callbacks",
    ),
    ApiRoute(
        "POST",
        "/api/callbacks/{task_id}/attempts",
        record_attempt,
        "Record an attempt: reached, no_answer, busy, wrong_number or refused",
        CALLBACK_STAFF,
        body=AttemptIn,
        responses={200: "the task after it", 409: "the task takes no more attempts"},
        tag="callbacks",
    ),
    ApiRoute(
        "POST",
        "/api/callbacks/{task_id}/survey",
        record_survey,
        "Record the survey of a reached customer; 1-2 or not resolved reopens the ticket",
        CALLBACK_STAFF,
        body=SurveyIn,
        responses={200: "the task, done", 409: "the task is not in progress"},
        tag="callbacks",
    ),
]
