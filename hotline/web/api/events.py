"""GET /api/events: the live feed (server-sent events) — screen pops for the agent they are
for, SLA warnings and breaches, call progress for the wallboard, ticket changes for lists."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from hotline.application import calls as call_cases
from hotline.events import BusClosed, Event, EventBus
from hotline.i18n import N_
from hotline.services.access import FACTS_KEY, facts_from_json
from hotline.services.actor import Actor
from hotline.web.api.registry import ApiRoute
from hotline.web.auth import credential_check
from hotline.web.context import context_of
from hotline.web.errors import ApiError
from tickets import access
from tickets.workflow import CALLBACK_STAFF, FLOOR_WATCHERS, RINGBACK_WORKERS, SLA_WATCHERS, Role

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
# How long a browser waits before it opens a dropped feed again, at least, and the spread
# above it.
RETRY_MS = 2000
RETRY_SPREAD_MS = 1000
# Who watches every call: the wallboard and whoever runs the floor.
CALL_WATCHERS = FLOOR_WATCHERS
# Who works the follow-up callbacks as they fall due.
CALLBACK_WORKERS = CALLBACK_STAFF
# Who calls callers back; the dispatchers hear of a gas smell given up at once.
GAS_SMELL_ALARM = "ringback.gas_smell"


def _jitter() -> float:
    """A fraction in [0, 1) that spreads feeds opened together over time."""
    return random.random()  # noqa: S311 (spreading load, not security)


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


# What of a ticket event's summary leads to the complainant, for who may not see them.
_PARTICULARS = ("address", "area")


def as_seen_by(event: Event, actor: Actor) -> dict[str, Any] | None:
    """The event's data as this person may see it (tickets/access.py), or None when they may
    see nothing of it: staff named in a complaint hear nothing of it (its ticket events, its
    SLA warnings and breaches, its callbacks falling due); others who may not see
    the complainant get the summary without what leads to them."""
    data = {key: value for key, value in event.data.items() if key != FACTS_KEY}
    raw_facts = event.data.get(FACTS_KEY)
    if raw_facts is None:
        # Only what carries nothing of a ticket's people is published without its facts
        # (a missed visit: its number and the visit; a call's progress; an outage).
        return data
    facts = facts_from_json(raw_facts)
    staff = actor.staff
    if access.is_named(staff, facts):
        return None
    if not access.decide(staff, facts, access.Use.SEE_COMPLAINANT):
        summary = data.get("ticket")
        if isinstance(summary, dict):
            data["ticket"] = {k: v for k, v in summary.items() if k not in _PARTICULARS}
    return data


def sse_frame(event: Event, data: dict[str, Any] | None = None) -> bytes:
    """`data`: the event's data as the subscriber may see it (default: as published)."""
    text = json.dumps(
        event.data if data is None else data,
        ensure_ascii=False,
        default=str,
        separators=(",", ":"),
    )
    # The browser listens for `screenpop`; the addressee is in the bus topic, not its name.
    name = "screenpop" if event.topic.startswith("screenpop.") else event.topic
    return f"id: {event.sequence}\nevent: {name}\ndata: {text}\n\n".encode()


async def stream(
    bus: EventBus,
    actor: Actor,
    heartbeat: float,
    still_valid: Callable[[], Awaitable[bool]],
    call_in_progress: Callable[[], Awaitable[dict[str, Any] | None]] | None = None,
) -> AsyncIterator[bytes]:
    """Until the client goes, the bus closes at shutdown, or the credential the feed was opened
    with stops working (asked every `heartbeat` seconds: sign-out, a password reset, a revoked
    or expired token). The response then ends, and the server can close the connection
    instead of waiting for it forever (the browser's EventSource comes back to the restarted
    server by itself, and is refused if signed out).

    `call_in_progress`: the pop of the call the person is on now, sent first (after the
    subscription, so nothing published meanwhile is missed)."""
    async with bus.subscribe(*topics_for(actor)) as subscription:
        # Tell the browser how soon to come back after a drop, and that the feed is open. The
        # browsers of a worker that dies come back over a second, not in one burst at the
        # workers left, which then held up their screen pops by a quarter of a second.
        retry_ms = RETRY_MS + int(RETRY_SPREAD_MS * _jitter())
        yield f"retry: {retry_ms}\n: connected\n\n".encode()
        if call_in_progress is not None:
            try:
                pop = await call_in_progress()
            except (SQLAlchemyError, OSError) as error:
                # The database away: the feed opens without it (the pop has said so already,
                # or will when it is back).
                log.debug("feed of %s: call in progress not read: %s", actor.username, error)
                pop = None
            if pop is not None:
                yield sse_frame(Event(f"screenpop.{actor.username}", datetime.now(UTC), pop))
        reported_drops = 0
        # Feeds open together (every browser of a worker that died comes back at once): their
        # checks are spread over the heartbeat, not asked of the database in one burst every
        # heartbeat, which held up the screen pops queued behind it (benchmarks/chaos.py).
        check_at = time.monotonic() + heartbeat * (0.5 + _jitter() / 2)
        while True:
            wait = check_at - time.monotonic()
            if wait <= 0:
                try:
                    if not await still_valid():
                        return
                except (SQLAlchemyError, OSError) as error:
                    # The database away for a moment: the credential worked when last asked
                    # and cannot be revoked meanwhile; the feed stays (the browsers would
                    # otherwise all come back at once when the database does) and asks again
                    # soon. The outage itself is logged by the pool's users (relay, leases,
                    # scheduler); a line per open feed every few seconds would bury it.
                    log.debug("feed of %s: credential not checked: %s", actor.username, error)
                    check_at = time.monotonic() + heartbeat * (0.2 + _jitter() / 5)
                    continue
                check_at = time.monotonic() + heartbeat
                continue
            try:
                event = await subscription.next(timeout=wait)
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
                seen = as_seen_by(event, actor)
                if seen is not None:
                    yield sse_frame(event, seen)


class FeedSlots:
    """How many live feeds each user holds open in this process: each holds a connection and a
    subscription for as long as it lasts, so one token cannot open hundreds."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._open: dict[str, int] = {}

    def take(self, username: str) -> bool:
        held = self._open.get(username, 0)
        if held >= self.per_user:
            return False
        self._open[username] = held + 1
        return True

    def give_back(self, username: str) -> None:
        held = self._open.get(username, 0) - 1
        if held > 0:
            self._open[username] = held
        else:
            self._open.pop(username, None)


class FeedResponse(StreamingResponse):
    """The feed's slot is given back however the response ends (the client gone, the bus
    closed, or never started at all)."""

    def __init__(self, content: AsyncIterator[bytes], release: Callable[[], None]) -> None:
        super().__init__(
            content,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


async def events(request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    context = context_of(request)
    heartbeat = float(getattr(request.app.state, "sse_heartbeat", HEARTBEAT_SECONDS))
    slots: FeedSlots = request.app.state.feed_slots
    if not slots.take(actor.username):
        raise ApiError(
            429,
            "too_many_feeds",
            N_("too many live feeds are open for your user: close another tab or window"),
        )
    screen_pop = context.runtime.screen_pop

    async def call_in_progress() -> dict[str, Any] | None:
        if screen_pop is None:
            return None
        return await call_cases.pop_of_call_in_progress(context.runtime.core, screen_pop, actor)

    return FeedResponse(
        stream(context.bus, actor, heartbeat, credential_check(request), call_in_progress),
        lambda: slots.give_back(actor.username),
    )


ROUTES = [
    ApiRoute(
        "GET",
        "/api/events",
        events,
        "Live events as server-sent events: `screenpop` (for you; first of all, marked "
        "`replayed`, the call you are on when the feed opens), `sla.warning`, `sla.breach`, "
        "`call.*` (supervisors), `ticket.*`, `ringback.*` (agents, supervisors; "
        "`ringback.gas_smell` to dispatchers too)",
        frozenset(Role),
        responses={200: "text/event-stream", 429: "too many feeds open for this user"},
        tag="operations",
    ),
]
