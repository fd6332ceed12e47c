"""Notes on a ticket: an internal note, or this call added to an open ticket."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import notes as note_cases
from hotline.services.actor import Actor
from hotline.telephony.model import iso_in
from hotline.web.api.registry import ApiRoute, parse_body
from hotline.web.api.schemas import Strict
from hotline.web.auth import ALL_ROLES
from hotline.web.context import context_of


class NoteIn(Strict):
    body: str = Field(default="", max_length=2000)
    call_linkedid: str | None = Field(default=None, max_length=64)


async def add_note(request: Request, actor: Actor | None) -> Response:
    assert actor is not None, "note routes are authenticated"
    context = context_of(request)
    body = await parse_body(request, NoteIn)
    note = await note_cases.add_note(
        context, actor, request.path_params["number"], body.body, body.call_linkedid
    )
    return JSONResponse(
        {
            "id": note.id,
            "at": iso_in(note.at, context.settings.timezone),
            "author": note.author,
            "body": note.body,
            "call_linkedid": note.call_linkedid,
        },
        status_code=201,
    )


ROUTES = [
    ApiRoute(
        "POST",
        "/api/tickets/{number}/notes",
        add_note,
        "An internal note on a ticket; with `call_linkedid`, that call is added to the ticket "
        "(a repeat call, instead of a duplicate ticket)",
        ALL_ROLES,
        body=NoteIn,
        responses={
            201: "the note",
            403: "a complaint's notes are for those who may see the complainant",
            404: "no such ticket",
            422: "an empty note, or no such call",
        },
    ),
]
