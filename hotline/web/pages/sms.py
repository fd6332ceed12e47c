"""`/sms`: the SMS outbox for supervisors and dispatchers — each notice's text, to whom
(masked), its status, attempts and times in local time — filtered by status. Without a gateway
(`make run`) this is where the notices can be read."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hotline.db.tables import SmsMessage
from hotline.i18n import N_
from hotline.services import sms_outbox
from hotline.services.actor import Actor
from hotline.web.context import context_of
from hotline.web.pages.guard import page
from hotline.web.templating import render
from tickets.phones import mask_phone
from tickets.sms_sending import SmsStatus
from tickets.workflow import Role

SMS_READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER})
SHOWN = 200


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%m-%d %H:%M:%S") if moment is not None else "—"


def _row(message: SmsMessage, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": message.id,
        "event": message.event,
        "template": message.template,
        "text": message.text,
        "phone": mask_phone(message.phone),
        "status": message.status,
        "emergency": message.emergency,
        "attempts": message.attempts + message.throttles,
        "error": message.last_error,
        "queued": _local(message.queued_at, tz),
        "next_attempt": _local(message.next_attempt_at, tz),
        "sent": _local(message.sent_at, tz),
        "finished": _local(message.delivered_at or message.failed_at, tz),
    }


async def outbox(request: Request, actor: Actor) -> Response:
    context = context_of(request)
    tz = context.settings.timezone
    raw = request.query_params.get("status", "")
    problem = None
    status: SmsStatus | None = None
    if raw:
        try:
            status = SmsStatus(raw)
        except ValueError:
            problem = N_("Choose one of the statuses listed.")
    messages: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    if problem is None:
        async with context.sessions() as session:
            found = await sms_outbox.list_messages(session, status=status, event=None, limit=SHOWN)
        messages = [_row(message, tz) for message in found.messages]
        counts = found.counts
    return render(
        request,
        "sms.html",
        {
            "messages": messages,
            "counts": counts,
            "statuses": [s.value for s in SmsStatus],
            "status": raw,
            "problem": problem,
            "gateway": bool(context.settings.smpp_url),
            "shown": SHOWN,
        },
        actor=actor,
        status=400 if problem else 200,
    )


ROUTES = [Route("/sms", page(SMS_READERS, outbox), methods=["GET"])]
