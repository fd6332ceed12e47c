"""`/callbacks`: the quality staff's worklist of follow-up callbacks — due now, being surveyed,
coming up, done — with the attempt and survey forms on each."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hotline.application import callbacks as callback_cases
from hotline.application import surveys as survey_cases
from hotline.i18n import N_
from hotline.services import callbacks as service
from hotline.services.actor import Actor
from hotline.services.errors import Invalid, NotFound
from hotline.web.api.render import HIDDEN
from hotline.web.context import context_of
from hotline.web.pages.form_pages import Outcome, form_page, show_form_page
from hotline.web.pages.forms import optional, text
from hotline.web.templating import current_gettext
from tickets import callbacks as rules
from tickets.access import Use
from tickets.callbacks import Outcome as AttemptOutcome
from tickets.callbacks import TaskStatus
from tickets.phones import mask_phone
from tickets.workflow import CALLBACK_STAFF, Role

TABS: dict[str, tuple[str, list[TaskStatus], bool | None]] = {
    # A task reached stays here with its survey form, where the call was just made.
    "due": (N_("Due now"), [TaskStatus.PENDING, TaskStatus.IN_PROGRESS], True),
    "surveying": (N_("Reached: survey"), [TaskStatus.IN_PROGRESS], None),
    "upcoming": (N_("Coming up"), [TaskStatus.PENDING], False),
    "finished": (
        N_("Finished"),
        [TaskStatus.DONE, TaskStatus.REFUSED, TaskStatus.UNREACHABLE, TaskStatus.WRONG_NUMBER],
        None,
    ),
}


# A morning's worth of calls to make; the rest on the next pages.
PER_PAGE = 50
# Whose tasks the list shows, besides which stage they are in.
YES_NO = ("yes", "no")
HOLDS: dict[str, str] = {"all": N_("Everyone's"), "mine": N_("Mine"), "free": N_("Not taken")}


def _row(view: service.TaskView, actor: Actor, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    _ = current_gettext()
    task = view.task
    # Staff named in the complaint see no complainant (tickets/access.py).
    visible = view.allows(actor, Use.SEE_COMPLAINANT)
    ticket = view.ticket
    return {
        "id": task.id,
        # An outage's caller who joined it only by a call: the outage stands for the ticket.
        "ticket": ticket.number if ticket is not None else None,
        "incident": task.incident_id,
        "incident_title": view.incident.title if view.incident is not None else None,
        "kind": task.kind,
        "status": task.status,
        "caller": ((ticket.caller_name if ticket is not None else None) if visible else HIDDEN)
        or "—",
        "phone": view.phone if visible else mask_phone(view.phone),
        "not_before": task.not_before.astimezone(tz).strftime("%m-%d %H:%M"),
        "due_by": task.due_by.astimezone(tz).isoformat(),
        "due_label": task.due_by.astimezone(tz).strftime("%m-%d %H:%M"),
        "overdue": not TaskStatus(task.status).finished and task.due_by < now,
        "history": [
            f"{a.at.astimezone(tz):%m-%d %H:%M} {_(a.outcome)} ({a.by})" for a in view.attempts
        ],
        "survey": task.survey,
        "holder": view.assignee.username if view.assignee else None,
        "holder_name": view.assignee.display_name if view.assignee else None,
    }


async def show(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    context = context_of(request)
    tab = request.query_params.get("tab", "due")
    if tab not in TABS:
        tab = "due"
    if outcome is not None and outcome[2].get("tab") in TABS:
        tab = str(outcome[2]["tab"])
    hold = request.query_params.get("who", "all")
    if outcome is not None:
        hold = str(outcome[2].get("who", hold))
    if hold not in HOLDS:
        hold = "all"
    raw_page = request.query_params.get("page", "1")
    number = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= 10_000 else 1
    _label, statuses, due = TABS[tab]
    now = context.clock()
    tz = context.settings.timezone
    async with context.sessions() as session:
        page_of = await service.list_tasks(
            session,
            service.TaskFilter(
                status=statuses,
                due=due,
                assignee=actor.username if hold == "mine" else None,
                unassigned=hold == "free",
                page=number,
                per_page=PER_PAGE,
            ),
            now,
        )
        people = await service.holders(session) if actor.role != Role.QUALITY else []
    return show_form_page(
        request,
        actor,
        "callbacks.html",
        {
            "tabs": {key: label for key, (label, _s, _d) in TABS.items()},
            "tab": tab,
            "holds": HOLDS,
            "hold": hold,
            "people": [(user.username, user.display_name) for user in people],
            "can_call": bool(actor.interface),
            "rows": [_row(view, actor, now, tz) for view in page_of.items],
            "page": page_of.page,
            "has_more": page_of.has_more,
            "outcomes": [o.value for o in AttemptOutcome],
            "server_now": now.isoformat(),
        },
        outcome,
    )


async def _assign(request: Request, actor: Actor, form: FormData, task_id: int) -> str:
    _ = current_gettext()
    view = await callback_cases.assign(
        context_of(request), actor, task_id, optional(form, "assignee", 64)
    )
    if view.assignee is None:
        return _("The callback is back in the pool.")
    return _("The callback is now held by %(name)s.") % {"name": view.assignee.display_name}


async def _attempt(request: Request, actor: Actor, form: FormData, task_id: int) -> str:
    outcome = text(form, "outcome", 20)
    if outcome not in set(AttemptOutcome):
        raise Invalid(N_("the attempt was not saved"), {"outcome": N_("choose one")})
    await callback_cases.record_attempt(
        context_of(request),
        actor,
        task_id,
        AttemptOutcome(outcome),
        note=optional(form, "note", 1000),
    )
    return current_gettext()("Attempt recorded.")


def _survey_of(form: FormData) -> rules.Survey:
    """The survey as asked, every fault at once: two scores from 1 to 5 and two yes/no
    answers, each a required choice (no happy answer is assumed for the caller)."""
    scores = {name: text(form, name, 2) for name in ("score", "courtesy")}
    answers = {name: text(form, name, 3) for name in ("resolved", "on_time")}
    faults = {
        name: N_("from 1 to 5")
        for name, raw in scores.items()
        if not raw.isdigit() or not 1 <= int(raw) <= 5
    }
    faults |= {name: N_("choose one") for name, answer in answers.items() if answer not in YES_NO}
    if faults:
        raise Invalid(N_("the survey was not saved"), faults)
    return rules.Survey(
        score=int(scores["score"]),
        resolved=answers["resolved"] == "yes",
        on_time=answers["on_time"] == "yes",
        courtesy=int(scores["courtesy"]),
        comment=optional(form, "comment", 1000),
    )


async def _survey(request: Request, actor: Actor, form: FormData, task_id: int) -> str:
    survey = _survey_of(form)
    _view, reopened = await survey_cases.take_survey(context_of(request), actor, task_id, survey)
    _ = current_gettext()
    return _("Survey saved; the ticket was reopened.") if reopened else _("Survey saved.")


OPERATIONS = {"assign": _assign, "attempt": _attempt, "survey": _survey}


async def change(request: Request, actor: Actor, form: FormData, task_id: int | None) -> str:
    operation = OPERATIONS.get(request.path_params["operation"])
    if task_id is None or operation is None:
        raise NotFound("no such callback")
    return await operation(request, actor, form, task_id)


def _back(form: FormData) -> str:
    tab = text(form, "tab", 20)
    hold = text(form, "who", 10)
    task = text(form, "task", 12)
    anchor = f"#task-{task}" if task.isdigit() else ""
    return (
        f"/callbacks?tab={tab if tab in TABS else 'due'}"
        f"&who={hold if hold in HOLDS else 'all'}{anchor}"
    )


ROUTES = form_page(
    "/callbacks", CALLBACK_STAFF, show, change, _back, ["/callbacks/{row}/{operation}"]
)
