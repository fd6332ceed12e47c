"""`/admin/crews`: the crews — who works which areas and hours — for those who may administer
them (tickets/workflow.py's CREW_ADMINS). Rows are read-only until "Edit"; a deletion asks first
and can be undone for a few minutes (pages/undo.py, as a routing rule's)."""

from __future__ import annotations

from dataclasses import asdict

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hotline.application import dispatch as dispatch_cases
from hotline.services import crews
from hotline.services.actor import Actor
from hotline.services.errors import NotFound
from hotline.web.context import context_of
from hotline.web.pages.admin import SECTIONS
from hotline.web.pages.form_pages import Outcome, form_page, show_form_page
from hotline.web.pages.forms import text
from hotline.web.pages.undo import offer_undo, pending_undo, take_undo
from hotline.web.templating import current_gettext
from tickets.crews import CrewForm, parse_areas
from tickets.workflow import CREW_ADMINS, Role

UNDO_CREW = "crew"


async def show_crews(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    context = context_of(request)
    async with context.sessions() as session:
        listed = await crews.list_crews(session)
        technicians = await crews.technicians(session)
    return show_form_page(
        request,
        actor,
        "admin_crews.html",
        {
            "crews": listed,
            # Each crew's choice: its own technicians and those in no crew.
            "technicians": [
                {"username": user.username, "name": user.display_name, "crew": crew_id}
                for user, crew_id in technicians
            ],
            "editing_row": request.query_params.get("edit", ""),
            "undo": pending_undo(request, UNDO_CREW, context.clock()),
            "sections": SECTIONS if actor.role is Role.ADMIN else [],
        },
        outcome,
    )


def _crew_form(form: FormData) -> CrewForm:
    return CrewForm(
        name=text(form, "name", 101),
        areas=parse_areas(text(form, "areas", 4000)),
        shift_start=text(form, "shift_start", 5),
        shift_end=text(form, "shift_end", 5),
    )


def _members(form: FormData) -> list[str]:
    return [str(name)[:64] for name in form.getlist("members") if str(name).strip()][:50]


async def change_crew(request: Request, actor: Actor, form: FormData, row: int | None) -> str:
    context = context_of(request)
    operation = request.path_params["operation"]
    _ = current_gettext()
    if operation == "add":
        await dispatch_cases.create_crew(
            context,
            actor,
            code=text(form, "code", 41),
            name=text(form, "name", 101),
            areas=list(parse_areas(text(form, "areas", 4000))),
            members=_members(form),
            shift=(text(form, "shift_start", 5), text(form, "shift_end", 5)),
        )
        return _("Crew added.")
    if operation == "restore":
        deleted = take_undo(request, UNDO_CREW, context.clock())
        kept_elsewhere = await dispatch_cases.restore_crew(
            context, actor, crews.RemovedCrew(**deleted)
        )
        if kept_elsewhere:
            return _("The crew is back; %(names)s stay in the crew they joined meanwhile.") % {
                "names": "、".join(kept_elsewhere)
            }
        return _("The crew is back, with its technicians.")
    if row is None:
        raise NotFound("no such crew")
    if operation == "update":
        await dispatch_cases.update_crew(context, actor, row, _crew_form(form), _members(form))
        return _("Saved.")
    if operation == "delete":
        removed = await dispatch_cases.delete_crew(context, actor, row)
        offer_undo(request, UNDO_CREW, asdict(removed), context.clock())
        return _("Crew %(code)s is deleted; its technicians are free to join another crew.") % {
            "code": removed.code
        }
    raise NotFound("no such change")


ROUTES = form_page(
    "/admin/crews",
    CREW_ADMINS,
    show_crews,
    change_crew,
    "/admin/crews",
    ["/admin/crews/{operation}", "/admin/crews/{row}/{operation}"],
)
