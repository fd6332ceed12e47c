from __future__ import annotations

from datetime import UTC, datetime

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
