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

    def wants(self, event: Event) -> bool:
        return self.topics is None or any(
            event.topic == topic or event.topic.startswith(topic + ".") for topic in self.topics
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


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []
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
        for subscription in list(self._subscriptions):
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
        for subscription in list(self._subscriptions):
            if subscription.wants(event):
                subscription.offer(event)
        return event

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
        self._subscriptions.append(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.remove(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)
