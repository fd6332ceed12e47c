"""POST /api/agent/status: an agent steps away or comes back. Reflected to Asterisk with
QueuePause on the agent's queue-member interface, so the queues stop or start ringing them."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application.calls import AgentState, set_agent_status
from hotline.services.actor import Actor
from hotline.web.api.registry import ApiRoute, parse_body
from hotline.web.api.schemas import Strict
from hotline.web.context import context_of
from tickets.workflow import QUEUE_AGENTS


class StatusIn(Strict):
    state: AgentState
    reason: str | None = Field(default=None, max_length=60)


async def set_status(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    body = await parse_body(request, StatusIn)
    await set_agent_status(context, context.telephony, actor, body.state, body.reason)
    return JSONResponse({"state": body.state})


ROUTES = [
    ApiRoute(
        "POST",
        "/api/agent/status",
        set_status,
        "Your status as an agent: `ready` (the queues ring you) or `away` (paused in every "
        "queue, with an optional reason)",
        QUEUE_AGENTS,
        body=StatusIn,
        responses={
            200: "the status now",
            422: "no phone interface",
            502: "Asterisk refused",
            503: "telephony down",
        },
        tag="calls",
    ),
]
