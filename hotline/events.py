"""The in-process event bus: services publish what happened (a ticket created, a clock warned or
breached, later calls and screen pops); SSE streams and notifiers subscribe. A slow subscriber
loses its oldest events rather than slowing the publisher; it is told how many it lost."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DEFAULT_QUEUE_SIZE = 1000


@dataclass(frozen=True)
class Event:
    topic: str
    at: datetime
    data: dict[str, Any]
    sequence: int = 0


@dataclass
class Subscription:
    topics: frozenset[str] | None
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(DEFAULT_QUEUE_SIZE))
    dropped: int = 0

    @property
    def keys(self) -> tuple[str | None, ...]:
        """Where the bus files this subscription: under each topic that no other of its topics
        already covers (`sla` covers `sla.warning`), so an event reaches it under one key at
        most; under None when it takes everything."""
        if self.topics is None:
            return (None,)
        return tuple(
            topic
            for topic in sorted(self.topics)
            if not any(topic.startswith(other + ".") for other in self.topics)
        )

    def offer(self, event: Event) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def next(self, timeout: float | None = None) -> Event:
        """The next event; BusClosed once the bus is closed and what it had is read."""
        event = await asyncio.wait_for(self.queue.get(), timeout)
        if event is _CLOSED:
            self.queue.put_nowait(_CLOSED)
            raise BusClosed
        return event

    def drain(self) -> list[Event]:
        """Every event waiting now, without waiting for more."""
        events = []
        while not self.queue.empty():
            events.append(self.queue.get_nowait())
        if events and events[-1] is _CLOSED:
            self.queue.put_nowait(events.pop())
        return events


class BusClosed(Exception):
    """The bus closed (the server is shutting down): a subscriber's feed ends."""


# Put behind the last event of every subscription when the bus closes.
_CLOSED = Event(topic="", at=datetime.min, data={})


def _topic_keys(topic: str) -> list[str]:
    """The subscription keys an event's topic is filed under: itself and each dotted parent
    (`screenpop.agent7` under `screenpop` and `screenpop.agent7`)."""
    keys = [topic]
    cut = topic.rfind(".")
    while cut > 0:
        keys.append(topic[:cut])
        cut = topic.rfind(".", 0, cut)
    return keys


class EventBus:
    def __init__(self) -> None:
        # Subscriptions by topic key (None: everything). With hundreds of feeds open, an event
        # is offered to those filed under its topic and its parents only — a screen pop to its
        # one agent — instead of being matched against every feed (a catch-up of a thousand
        # relayed events held the event loop that long; benchmarks/chaos.py).
        self._subscriptions: dict[str | None, list[Subscription]] = {}
        self._sequence = itertools.count(1)
        self.published = 0
        # Called with each event published here (not with those relayed from other workers):
        # the relay (hotline/relay.py) sends them on to the other workers.
        self.outbound: Callable[[Event], None] | None = None
        # Called at once with every event, published here or relayed from another worker:
        # what a cache holds is forgotten when an event says it changed (services/gas_off.py).
        self.listeners: list[Callable[[Event], None]] = []
        self.closed = False

    def close(self) -> None:
        """The server is shutting down: every subscription ends after what it has queued, so
        that long-lived feeds (SSE) finish and their connections close."""
        self.closed = True
        for subscription in self._all():
            subscription.offer(_CLOSED)

    def publish(self, topic: str, at: datetime, data: dict[str, Any]) -> Event:
        event = self.deliver(topic, at, data)
        if self.outbound is not None:
            self.outbound(event)
        return event

    def deliver(self, topic: str, at: datetime, data: dict[str, Any]) -> Event:
        """To this process's subscribers only: an event another worker published."""
        event = Event(topic=topic, at=at, data=data, sequence=next(self._sequence))
        self.published += 1
        for listener in self.listeners:
            listener(event)
        for subscription in self._subscriptions.get(None, ()):
            subscription.offer(event)
        for key in _topic_keys(topic):
            for subscription in self._subscriptions.get(key, ()):
                subscription.offer(event)
        return event

    def _all(self) -> list[Subscription]:
        """Each subscription once, whichever keys it is filed under."""
        unique = {
            id(subscription): subscription
            for bucket in self._subscriptions.values()
            for subscription in bucket
        }
        return list(unique.values())

    @asynccontextmanager
    async def subscribe(
        self, *topics: str, queue_size: int = DEFAULT_QUEUE_SIZE
    ) -> AsyncIterator[Subscription]:
        """Topics match exactly or as a dotted prefix (`sla` gets `sla.warning`); none = all.
        A subscriber that falls `queue_size` events behind loses the oldest (counted)."""
        subscription = Subscription(
            frozenset(topics) if topics else None, asyncio.Queue(queue_size)
        )
        if self.closed:
            subscription.offer(_CLOSED)
        keys = subscription.keys
        for key in keys:
            # A new list, not an append: a delivery going through the old one is not disturbed.
            self._subscriptions[key] = [*self._subscriptions.get(key, ()), subscription]
        try:
            yield subscription
        finally:
            for key in keys:
                bucket = [other for other in self._subscriptions[key] if other is not subscription]
                if bucket:
                    self._subscriptions[key] = bucket
                else:
                    del self._subscriptions[key]

    @property
    def subscriber_count(self) -> int:
        return len(self._all())
