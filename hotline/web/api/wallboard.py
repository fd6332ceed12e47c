"""GET /api/wallboard: what the floor looks like now, for the supervisor's wall screen."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.services import incidents
from hotline.services import wallboard as service
from hotline.services.actor import Actor
from hotline.telephony.queues import QueueNow, expected_wait_seconds, floor, member_states
from hotline.web.api.registry import ApiRoute
from hotline.web.context import AppContext, context_of
from tickets.kpi import SERVICE_LEVEL_SECONDS
from tickets.workflow import FLOOR_WATCHERS

WATCHERS = FLOOR_WATCHERS
QUEUE_STATUS_TIMEOUT = 2.0


async def _queues_now(context: AppContext) -> dict[str, QueueNow] | None:
    """Asterisk's queues right now over every PBX; None when telephony is off or an Asterisk
    does not answer (the board then says so rather than showing zeros)."""
    telephony = context.telephony
    if telephony is None:
        return None
    return await telephony.queues_now(QUEUE_STATUS_TIMEOUT)


def _queues(queues: dict[str, QueueNow] | None) -> dict[str, Any] | None:
    if queues is None:
        return None
    total = floor(queues)
    return {
        "waiting": total.waiting,
        "longest_wait_seconds": total.longest_wait_seconds,
        "agents": {"ready": total.ready, "busy": total.busy, "away": total.away},
        "by_queue": {
            name: {
                "waiting": queue.waiting,
                "longest_wait_seconds": queue.longest_wait_seconds,
                "agents": {"ready": queue.ready, "busy": queue.busy, "away": queue.away},
                "holdtime_seconds": queue.holdtime_seconds,
                "talktime_seconds": queue.talktime_seconds,
                "expected_wait_seconds": round(expected_wait_seconds(queue)),
            }
            for name, queue in sorted(queues.items())
        },
    }


async def wallboard(request: Request, _actor: Actor | None) -> Response:
    context = context_of(request)
    now = context.clock()
    tz = context.settings.timezone

    async def figures() -> tuple[
        service.Today, service.RingbacksToday, incidents.Outages, list[service.AgentToday]
    ]:
        async with context.sessions() as session:
            calls = await service.today(session, now, tz)
            ringbacks = await service.ringbacks_today(session, now, tz)
            outages = await incidents.outages_now(session)
            return calls, ringbacks, outages, await service.agents_today(session, now, tz)

    now_in_queues, (today, ringbacks, outages, agents) = await asyncio.gather(
        _queues_now(context), figures()
    )
    queues = _queues(now_in_queues)
    states = member_states(now_in_queues or {})
    level = today.service_level
    return JSONResponse(
        {
            "at": now.astimezone(tz).isoformat(),
            "queues": queues,
            "today": {
                "answered": today.answered,
                "abandoned": today.abandoned,
                "service_level": round(level, 3) if level is not None else None,
                "service_level_seconds": SERVICE_LEVEL_SECONDS,
                "sla_warnings": today.warnings,
                "sla_breaches": today.breaches,
            },
            "ringbacks": {
                "waiting": ringbacks.waiting,
                "requested_today": ringbacks.requested,
                "connected_today": ringbacks.connected,
                "failed_today": ringbacks.failed,
            },
            "agents": [
                {
                    "name": agent.name,
                    "interface": agent.interface,
                    "state": states.get(agent.interface) if queues is not None else None,
                    "calls_today": agent.calls,
                    "talk_seconds_today": agent.talk_seconds,
                }
                for agent in agents
            ],
            "outages": {
                "active": [incidents.outage_json(i, tz) for i in outages.active],
                "suggested": [incidents.suggestion_json(s, tz) for s in outages.suggested],
            },
        },
        headers={"Cache-Control": "no-store"},
    )


ROUTES = [
    ApiRoute(
        "GET",
        "/api/wallboard",
        wallboard,
        "The floor now: callers waiting and the longest wait, agents ready/busy/away (and per "
        "queue with the expected wait), today's answered and abandoned calls, service level "
        "within 20 s, SLA warnings and breaches, callers waiting to be called back, outages "
        "going on and suggested, and each agent with a phone: state, calls and talk time today",
        WATCHERS,
        responses={200: "the figures; `queues` is null when Asterisk cannot be asked"},
        tag="operations",
    ),
]
