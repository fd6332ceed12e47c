"""`/ringbacks`: callers to call back — those who asked instead of waiting and those who gave
up — in the order the dialler takes them (gas smell first, then by arrival), with a call
button and a way to withdraw one; and the ones finished today."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hotline.application import ringbacks as cases
from hotline.services import ringbacks as service
from hotline.services.actor import Actor
from hotline.services.errors import NotFound
from hotline.services.ringback_policy import load_policy
from hotline.services.wallboard import start_of_local_day
from hotline.web.context import context_of
from hotline.web.pages.form_pages import Outcome, form_page, show_form_page
from hotline.web.pages.forms import optional
from hotline.web.templating import current_gettext
from tickets.workflow import RINGBACK_STAFF


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%m-%d %H:%M") if moment is not None else "—"


def _row(view: service.RingbackView, tz: ZoneInfo) -> dict[str, Any]:
    row = view.row
    return {
        "id": row.id,
        "place": view.place,
        "number": row.number,
        "customer": view.customer_name,
        "reason": row.reason,
        "gas_smell": row.reason == "gas_smell_missed",
        "choice": row.ticket_type,
        "status": row.status,
        "arrived": _local(row.arrived_at, tz),
        "attempts": row.attempts,
        "next_attempt": _local(row.next_attempt_at, tz) if row.next_attempt_at else None,
        "phone": row.dial_interface,
        "finished": _local(row.finished_at, tz),
        "note": row.note,
    }


async def show(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    context = context_of(request)
    tz = context.settings.timezone
    async with context.sessions() as session:
        waiting = await service.list_open(session)
        finished = await service.list_finished(session, start_of_local_day(context.clock(), tz))
        policy = await load_policy(session)
    return show_form_page(
        request,
        actor,
        "ringbacks.html",
        {
            "open": [_row(view, tz) for view in waiting],
            "finished": [_row(view, tz) for view in finished],
            "can_call": bool(actor.interface),
            "automatic": policy.automatic_dialling,
        },
        outcome,
    )


async def change(request: Request, actor: Actor, form: FormData, ringback_id: int | None) -> str:
    if ringback_id is None:
        raise NotFound("no such ring-back")
    await cases.withdraw(context_of(request), actor, ringback_id, optional(form, "note", 1000))
    return current_gettext()("The ring-back was withdrawn.")


ROUTES = form_page(
    "/ringbacks", RINGBACK_STAFF, show, change, "/ringbacks", ["/ringbacks/{row}/withdraw"]
)
