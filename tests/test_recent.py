"""A value every call asks for, read once and shared for a few seconds (hotline/services/recent.py):
what a hundred callers a second cost the database."""

from __future__ import annotations

import asyncio

import pytest

from hotline.services.recent import Recent


class Reads:
    """A reader that counts its reads and answers when let go."""

    def __init__(self) -> None:
        self.count = 0
        self.go = asyncio.Event()
        self.failing = False

    async def __call__(self) -> int:
        self.count += 1
        await self.go.wait()
        if self.failing:
            raise ConnectionError("database away")
        return self.count


async def test_callers_arriving_together_share_one_read() -> None:
    reads = Reads()
    recent = Recent(reads, max_age=60)
    callers = [asyncio.ensure_future(recent.get()) for _ in range(100)]
    await asyncio.sleep(0)
    reads.go.set()
    assert await asyncio.gather(*callers) == [1] * 100
    assert await recent.get() == 1
    assert reads.count == 1


async def test_the_value_is_read_again_once_it_is_older_than_max_age() -> None:
    reads = Reads()
    reads.go.set()
    recent = Recent(reads, max_age=0)
    assert [await recent.get(), await recent.get()] == [1, 2]


async def test_a_caller_hanging_up_does_not_cancel_the_read_for_the_others() -> None:
    reads = Reads()
    recent = Recent(reads, max_age=60)
    leaving = asyncio.ensure_future(recent.get())
    staying = asyncio.ensure_future(recent.get())
    await asyncio.sleep(0)
    leaving.cancel()
    reads.go.set()
    assert await staying == 1
    assert leaving.cancelled() and reads.count == 1


async def test_a_failed_read_reaches_its_callers_and_the_next_caller_reads_again() -> None:
    reads = Reads()
    reads.go.set()
    reads.failing = True
    recent = Recent(reads, max_age=60)
    with pytest.raises(ConnectionError):
        await recent.get()
    reads.failing = False
    assert await recent.get() == 2


async def test_a_forgotten_value_is_read_again_and_a_read_begun_before_is_not_kept() -> None:
    reads = Reads()
    recent = Recent(reads, max_age=60)
    reading = asyncio.ensure_future(recent.get())
    while reads.count == 0:
        await asyncio.sleep(0)
    recent.forget()
    reads.go.set()
    assert await reading == 1
    assert await recent.get() == 2
    recent.forget()
    assert [await recent.get(), await recent.get()] == [3, 3]


async def test_the_last_known_value_outlives_its_age_and_a_failed_read() -> None:
    reads = Reads()
    reads.go.set()
    recent = Recent(reads, max_age=0)
    assert recent.last_known() is None
    assert await recent.get() == 1
    reads.failing = True
    with pytest.raises(ConnectionError):
        await recent.get()
    assert recent.last_known() == 1
    recent.forget()
    assert recent.last_known() is None
