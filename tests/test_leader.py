"""Leaderships spread over the workers (hotline/leader.py), on a real PostgreSQL: a worker that
already leads otherwise leaves a free lock to the others for the deference, then takes it
itself; a holder taking back its own lock never waits; on SQLite there is nobody to wait for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from hotline.db.engine import create_engine
from hotline.leader import Leadership


@dataclass
class Ticks:
    """The monotonic clock the deference is measured on, moved by the test."""

    now: float = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def leaderships(database_url: str) -> AsyncIterator[tuple[Leadership, Leadership, Ticks]]:
    """Two workers' leaderships of the same name: the first leads otherwise (it tracks the
    calls, say), the second leads nothing."""
    engines = [create_engine(database_url) for _ in range(2)]
    ticks = Ticks()
    busy = Leadership(
        engines[0], "deference", leads_otherwise=lambda: True, defer_seconds=2.0, monotonic=ticks
    )
    idle = Leadership(engines[1], "deference", monotonic=ticks)
    try:
        yield busy, idle, ticks
    finally:
        for leadership in (busy, idle):
            await leadership.release()
        for engine in engines:
            await engine.dispose()


async def test_a_worker_leading_otherwise_leaves_a_free_lock_to_others_first(
    leaderships: tuple[Leadership, Leadership, Ticks], database_url: str
) -> None:
    busy, idle, ticks = leaderships
    if not database_url.startswith("postgres"):
        # One process on SQLite: the file lock is taken at once, whoever asks.
        assert await busy.try_acquire()
        return
    assert not await busy.try_acquire()
    ticks.now += 1.9
    assert not await busy.try_acquire()
    # A worker with nothing else to lead takes it meanwhile.
    assert await idle.try_acquire()
    assert idle.held and not busy.held


async def test_left_free_past_the_deference_the_busy_worker_takes_it(
    leaderships: tuple[Leadership, Leadership, Ticks], database_url: str
) -> None:
    busy, _, ticks = leaderships
    if not database_url.startswith("postgres"):
        pytest.skip("the deference is between several workers, which need PostgreSQL")
    assert not await busy.try_acquire()
    ticks.now += 2.0
    assert await busy.try_acquire()
    assert busy.held


async def test_the_deference_counts_from_when_the_lock_was_last_seen_free(
    leaderships: tuple[Leadership, Leadership, Ticks], database_url: str
) -> None:
    busy, idle, ticks = leaderships
    if not database_url.startswith("postgres"):
        pytest.skip("the deference is between several workers, which need PostgreSQL")
    assert not await busy.try_acquire()  # seen free at 100
    assert await idle.try_acquire()
    ticks.now += 5.0
    assert not await busy.try_acquire()  # held by the other: not free since 100
    await idle.release()
    assert not await busy.try_acquire()  # free again, from now
    ticks.now += 1.0
    assert not await busy.try_acquire()
    ticks.now += 1.0
    assert await busy.try_acquire()


async def test_taking_back_ones_own_lock_never_waits(
    leaderships: tuple[Leadership, Leadership, Ticks],
) -> None:
    busy, _, _ = leaderships
    assert await busy.try_acquire(defer=False)
    assert busy.held
