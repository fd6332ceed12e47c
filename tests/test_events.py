from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from hotline.events import DEFAULT_QUEUE_SIZE, EventBus

NOW = datetime(2026, 11, 22, tzinfo=UTC)


async def test_subscribers_get_their_topics_and_dotted_children() -> None:
    bus = EventBus()
    async with bus.subscribe("sla") as sla, bus.subscribe() as everything:
        bus.publish("sla.warning", NOW, {"ticket": "BX-1"})
        bus.publish("ticket.created", NOW, {"number": "BX-2"})
        bus.publish("slapdash", NOW, {})
        assert (await sla.next(timeout=1)).data == {"ticket": "BX-1"}
        assert sla.queue.empty()
        topics = [(await everything.next(timeout=1)).topic for _ in range(3)]
        assert topics == ["sla.warning", "ticket.created", "slapdash"]
    assert bus.subscriber_count == 0


async def test_a_slow_subscriber_loses_the_oldest_and_knows_it() -> None:
    bus = EventBus()
    async with bus.subscribe("x") as slow:
        for index in range(DEFAULT_QUEUE_SIZE + 5):
            bus.publish("x", NOW, {"index": index})
        assert slow.dropped == 5
        assert (await slow.next(timeout=1)).data == {"index": 5}


_SEGMENTS = st.sampled_from(["sla", "warning", "screenpop", "agent7", "agent70", "call", "x"])
_TOPICS = st.lists(_SEGMENTS, min_size=1, max_size=3).map(".".join)


def _meant_for(topics: frozenset[str], topic: str) -> bool:
    """What a subscription's topics promise: the topic itself or a dotted child of it."""
    return any(topic == wanted or topic.startswith(wanted + ".") for wanted in topics)


@given(
    subscriptions=st.lists(st.frozensets(_TOPICS, max_size=3), min_size=1, max_size=6),
    published=st.lists(_TOPICS, max_size=12),
)
async def test_every_subscriber_gets_each_event_meant_for_it_once(
    subscriptions: list[frozenset[str]], published: list[str]
) -> None:
    bus = EventBus()
    async with AsyncExitStack() as stack:
        subscribed = [
            await stack.enter_async_context(bus.subscribe(*topics)) for topics in subscriptions
        ]
        for topic in published:
            bus.publish(topic, NOW, {})
        for topics, subscription in zip(subscriptions, subscribed, strict=True):
            expected = [t for t in published if not topics or _meant_for(topics, t)]
            assert [event.topic for event in subscription.drain()] == expected
        assert bus.subscriber_count == len(subscriptions)
    assert bus.subscriber_count == 0
