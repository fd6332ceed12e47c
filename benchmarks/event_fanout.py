"""Fan-out of the event bus to the live feeds of a busy floor, against a linear-scan baseline.

200 agents' feeds (each subscribed as `GET /api/events` subscribes them: their own screen pops,
SLA, tickets, incidents) and 3 supervisors' (everything) on one worker's bus; 1,000 events as a
storm publishes them (every call's progress, one screen pop per answered call), delivered as
the relay delivers what it caught up on after PostgreSQL was away. The bus files subscriptions
by topic (hotline/events.py); the baseline matches every event against every subscription, as
the bus did before and as a bus without an index does. Both deliver the same events to the same
feeds in the same run, and must agree on who got what.

Targets: the indexed fan-out at least 5× faster than the baseline, and a catch-up chunk (the
relay's DELIVER_CHUNK events between two turns of the event loop) under 2 ms: the longest a
screen pop waits behind a catch-up.

    .venv/bin/python benchmarks/event_fanout.py [--events 1000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from hotline.events import Event, EventBus, Subscription
from hotline.relay import DELIVER_CHUNK
from hotline.services.actor import Actor
from hotline.web.api.events import topics_for
from tickets.workflow import Role

AGENTS = 200
SUPERVISORS = 3
AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# A call's progress as the tracker publishes it, then its agent's screen pop.
CALL_TOPICS = ("call.started", "call.updated", "call.updated", "call.agent_connected")


def storm(count: int) -> list[str]:
    topics: list[str] = []
    call = 0
    while len(topics) < count:
        topics += [*CALL_TOPICS, f"screenpop.agent{call % AGENTS}", "call.ended"]
        call += 1
    return topics[:count]


def linear_fanout(subscriptions: list[Subscription], topic: str, event: Event) -> None:
    """The baseline: every subscription asked whether it wants the event."""
    for subscription in subscriptions:
        if subscription.topics is None or any(
            topic == wanted or topic.startswith(wanted + ".") for wanted in subscription.topics
        ):
            subscription.offer(event)


def received(subscriptions: list[Subscription]) -> list[int]:
    counts = [len(subscription.drain()) for subscription in subscriptions]
    for subscription in subscriptions:
        subscription.dropped = 0
    return counts


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    topics = storm(args.events)
    actors = [Actor(i, f"agent{i}", Role.AGENT) for i in range(AGENTS)] + [
        Actor(AGENTS + i, f"sup{i}", Role.SUPERVISOR) for i in range(SUPERVISORS)
    ]
    bus = EventBus()
    async with AsyncExitStack() as stack:
        subscriptions = [
            await stack.enter_async_context(
                bus.subscribe(*topics_for(actor), queue_size=args.events + 1)
            )
            for actor in actors
        ]
        indexed: list[float] = []
        linear: list[float] = []
        chunks: list[float] = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            for offset in range(0, len(topics), DELIVER_CHUNK):
                chunk_started = time.perf_counter()
                for topic in topics[offset : offset + DELIVER_CHUNK]:
                    bus.deliver(topic, AT, {})
                chunks.append(time.perf_counter() - chunk_started)
            indexed.append(time.perf_counter() - started)
            by_index = received(subscriptions)

            started = time.perf_counter()
            for topic in topics:
                linear_fanout(subscriptions, topic, Event(topic, AT, {}))
            linear.append(time.perf_counter() - started)
            if received(subscriptions) != by_index:
                print("the indexed bus and the baseline delivered different events")
                return 1
    fast, slow = statistics.median(indexed), statistics.median(linear)
    chunk_p99 = sorted(chunks)[int(0.99 * (len(chunks) - 1))]
    speedup = slow / fast
    print(
        f"{len(topics)} events to {len(actors)} feeds ({sum(by_index)} deliveries), "
        f"median of {args.rounds} rounds"
    )
    print(f"  indexed bus        {fast * 1000:8.2f} ms  ({fast / len(topics) * 1e6:6.1f} µs/event)")
    print(f"  baseline (scan)    {slow * 1000:8.2f} ms  ({slow / len(topics) * 1e6:6.1f} µs/event)")
    print(f"  speed-up           {speedup:8.1f}×   (target ≥ 5×)")
    print(f"  chunk of {DELIVER_CHUNK} p99   {chunk_p99 * 1000:8.3f} ms  (target < 2 ms)")
    met = speedup >= 5 and chunk_p99 < 0.002
    print("-> met" if met else "-> NOT MET")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
