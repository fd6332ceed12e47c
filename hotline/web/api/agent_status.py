"""POST /api/agent/status: an agent steps away or comes back. Reflected to Asterisk with
QueuePause on the agent's queue-member interface, so the queues stop or start ringing them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.telephony.ami import ActionFailed, AmiError
from hotline.web.api.registry import ApiRoute, parse_body
from hotline.web.api.schemas import Strict
from hotline.web.context import context_of
from hotline.web.errors import ApiError
from tickets.workflow import Role


class StatusIn(Strict):
    state: Literal["ready", "away"]
    reason: str | None = Field(default=None, max_length=60)


async def set_status(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, StatusIn)
    if not actor.interface:
        raise Invalid(
            "your user has no phone (queue-member interface) to ring first",
            {"interface": "not set for your user"},
        )
    telephony = context.telephony
    if telephony is None:
        raise ApiError(503, "telephony_off", "telephony is not running on this server")
    away = body.state == "away"
    try:
        for line in telephony.lines.values():
            await line.client.send(
                "QueuePause",
                [
                    ("Interface", actor.interface),
                    ("Paused", "true" if away else "false"),
                    ("Reason", body.reason or ("away" if away else "")),
                ],
            )
    except ActionFailed as error:
        raise ApiError(502, "queue_pause_refused", f"Asterisk refused: {error}") from error
    except (AmiError, TimeoutError) as error:
        message = "the phone system did not answer; try again"
        raise ApiError(503, "telephony_down", message) from error
    context.bus.publish(
        "agent.status", context.clock(), {"user": actor.username, "state": body.state}
    )
    return JSONResponse({"state": body.state})


ROUTES = [
    ApiRoute(
        "POST",
        "/api/agent/status",
        set_status,
        "Your status as an agent: `ready` (the queues ring you) or `away` (paused in every "
        "queue, with an optional reason)",
        frozenset({Role.AGENT}),
        body=StatusIn,
        responses={200: "the status now", 422: "no phone interface", 503: "telephony down"},
        tag="calls",
    ),
]
