"""GET /api/events: the live feed (server-sent events) — screen pops for the agent they are
for, SLA warnings and breaches, call progress for the wallboard, ticket changes for lists."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from hotline.events import BusClosed, Event, EventBus
from hotline.services.actor import Actor
from hotline.web.api.registry import ApiRoute
from hotline.web.context import context_of
from tickets.workflow import Role

HEARTBEAT_SECONDS = 15.0
# Who watches every call: the wallboard and whoever runs the floor.
CALL_WATCHERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
SLA_WATCHERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER, Role.QUALITY})
# Who works the follow-up callbacks as they fall due.
CALLBACK_WORKERS = frozenset({Role.QUALITY, Role.SUPERVISOR, Role.ADMIN})
# Who calls callers back; the dispatchers hear of a gas smell given up at once.
RINGBACK_WORKERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
GAS_SMELL_ALARM = "ringback.gas_smell"


def topics_for(actor: Actor) -> tuple[str, ...]:
    """What a feed subscribes to: everything for those who watch the floor, otherwise only
    what can concern this person, so that busy topics (every call's progress) cost them
    nothing."""
    if actor.role in CALL_WATCHERS:
        return ()
    topics: tuple[str, ...] = (f"screenpop.{actor.username}", "sla", "ticket", "incident")
    if actor.role in CALLBACK_WORKERS:
        topics = (*topics, "callback")
    if actor.role in RINGBACK_WORKERS:
        topics = (*topics, "ringback")
    if actor.role == Role.DISPATCHER:
        topics = (*topics, GAS_SMELL_ALARM)
    return topics


def visible_to(event: Event, actor: Actor) -> bool:
    """Whether this person's feed carries the event. A screen pop is for one agent only."""
    topic = event.topic
    if topic.startswith("screenpop."):
        return topic == f"screenpop.{actor.username}"
    if topic.startswith("call."):
        return actor.role in CALL_WATCHERS
    if topic.startswith("sla."):
        if actor.role in SLA_WATCHERS:
            return True
        targets = event.data.get("notify") or []
        return f"user:{actor.username}" in targets
    if topic.startswith("callback."):
        return actor.role in CALLBACK_WORKERS
    if topic.startswith("ringback."):
        return actor.role in RINGBACK_WORKERS or (
            topic == GAS_SMELL_ALARM and actor.role == Role.DISPATCHER
        )
    # Outages concern every desk, and their events carry nothing personal.
    return topic.startswith(("ticket.", "incident."))


def sse_frame(event: Event) -> bytes:
    data = json.dumps(event.data, ensure_ascii=False, default=str, separators=(",", ":"))
    # The browser listens for `screenpop`; the addressee is in the bus topic, not its name.
    name = "screenpop" if event.topic.startswith("screenpop.") else event.topic
    return f"id: {event.sequence}\nevent: {name}\ndata: {data}\n\n".encode()


async def stream(bus: EventBus, actor: Actor, heartbeat: float) -> AsyncIterator[bytes]:
    """Until the client goes, or the bus closes at shutdown: the response then ends, and the
    server can close the connection instead of waiting for it forever (the browser's
    EventSource comes back to the restarted server by itself)."""
    async with bus.subscribe(*topics_for(actor)) as subscription:
        # Tell the browser how soon to come back after a drop, and that the feed is open.
        yield b"retry: 2000\n: connected\n\n"
        reported_drops = 0
        while True:
            try:
                event = await subscription.next(timeout=heartbeat)
            except TimeoutError:
                yield b": heartbeat\n\n"
                continue
            except BusClosed:
                return
            if subscription.dropped != reported_drops:
                lost = subscription.dropped - reported_drops
                reported_drops = subscription.dropped
                payload: dict[str, Any] = {"lost": lost}
                yield f"event: overflow\ndata: {json.dumps(payload)}\n\n".encode()
            if visible_to(event, actor):
                yield sse_frame(event)


async def events(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    heartbeat = float(getattr(request.app.state, "sse_heartbeat", HEARTBEAT_SECONDS))
    return StreamingResponse(
        stream(context.bus, actor, heartbeat),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


ROUTES = [
    ApiRoute(
        "GET",
        "/api/events",
        events,
        "Live events as server-sent events: `screenpop` (for you), `sla.warning`, `sla.breach`, "
        "`call.*` (supervisors), `ticket.*`, `ringback.*` (agents, supervisors; "
        "`ringback.gas_smell` to dispatchers too)",
        frozenset(Role),
        responses={200: "text/event-stream"},
        tag="operations",
    ),
]
