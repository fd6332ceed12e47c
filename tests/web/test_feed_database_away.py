"""A live feed and the database going away (benchmarks/chaos.py, issue 15): a credential check
the database cannot answer keeps the feed open and is asked again soon; the answer "no longer
valid" still ends it. Feeds spread their browsers' return over a second, so that the browsers of
a worker that died do not all come back to the others in one burst."""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError

from hotline.events import EventBus
from hotline.services.actor import Actor
from hotline.web.api.events import RETRY_MS, RETRY_SPREAD_MS, stream
from tickets.workflow import Role

AGENT = Actor(7, "li.agent", Role.AGENT)
HEARTBEAT = 0.05


class Credential:
    """The database's answers to the feed's checks, in order: None while it is away."""

    def __init__(self, *answers: bool | None) -> None:
        self.answers = list(answers)
        self.asked = 0

    async def still_valid(self) -> bool:
        self.asked += 1
        answer = self.answers.pop(0)
        if answer is None:
            raise OperationalError("SELECT api_token", {}, ConnectionRefusedError(111, "refused"))
        return answer


async def _frames(feed: Credential, bus: EventBus) -> list[bytes]:
    return [frame async for frame in stream(bus, AGENT, HEARTBEAT, feed.still_valid)]


async def test_a_check_the_database_cannot_answer_keeps_the_feed_open() -> None:
    credential = Credential(None, None, None, True, False)
    frames = await asyncio.wait_for(_frames(credential, EventBus()), 10)
    # Every answer was asked for: the feed outlived three failed checks and ended at "no".
    assert credential.asked == 5
    assert frames[-1] == b": heartbeat\n\n"


async def test_the_feed_still_carries_events_while_the_database_is_away() -> None:
    bus = EventBus()
    credential = Credential(None, None, None, None, None, None, False)
    received: list[bytes] = []

    async def read() -> None:
        async for frame in stream(bus, AGENT, HEARTBEAT, credential.still_valid):
            received.append(frame)
            if credential.asked == 2:
                bus.publish("incident.announced", datetime.now(UTC), {"id": 3})

    await asyncio.wait_for(read(), 10)
    assert any(b"event: incident.announced" in frame for frame in received)


async def test_browsers_are_told_to_come_back_after_two_to_three_seconds() -> None:
    waits = set()
    for _ in range(40):
        feed = stream(EventBus(), AGENT, HEARTBEAT, Credential().still_valid)
        async with contextlib.aclosing(feed):
            first = await anext(feed)
        found = re.match(rb"retry: (\d+)\n: connected\n\n", first)
        assert found is not None
        waits.add(int(found.group(1)))
    assert all(RETRY_MS <= wait <= RETRY_MS + RETRY_SPREAD_MS for wait in waits)
    assert len(waits) > 1
