"""One call tracker per PBX across workers (hotline/telephony/lease.py), on a real PostgreSQL
and the fake Asterisk over TCP: of two workers connected to the same PBX exactly one turns its
events into calls; when its hold on the lease goes (its database connection ends, as when the
process dies) the other takes over and rebuilds the call in progress from Asterisk."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlmodel import select
from telephony_workers import telephony_worker

from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import CallRow, User
from hotline.leader import lock_key
from hotline.relay import asyncpg_dsn
from hotline.telephony.simulator import FakeAsterisk
from tickets.workflow import Role


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgres"):
        pytest.skip("the lease matters with several workers, which need PostgreSQL")
    return database_url


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)


async def test_one_worker_tracks_the_calls_and_another_takes_over(
    postgres_url: str, fake_asterisk: FakeAsterisk
) -> None:
    async with AsyncExitStack() as stack:
        workers = [
            await stack.enter_async_context(telephony_worker(postgres_url, fake_asterisk))
            for _ in range(2)
        ]
        await until(lambda: any(w.telephony.tracking for w in workers))
        await asyncio.sleep(0.6)  # several checks: the other must stay standing by
        assert [w.telephony.tracking for w in workers].count(True) == 1
        leader = next(w for w in workers if w.telephony.tracking)
        follower = next(w for w in workers if not w.telephony.tracking)
        feeds = [
            await stack.enter_async_context(w.bus.subscribe("call")) for w in (leader, follower)
        ]

        # A long call, still up when the leader goes.
        fake_asterisk.place_call(caller="13800138001", scenario="answered", stretch=40.0)
        first = await feeds[0].next(timeout=5)
        linkedid = first.data["call"]["linkedid"]
        assert feeds[1].drain() == []

        # The leader's worker ends: its lock goes with it.
        await leader.lease.stop()
        await until(lambda: follower.telephony.tracking)
        assert follower.lease.takeovers == 1 and not leader.telephony.tracking
        # The new holder knows the call in progress (the call log, Asterisk's channels).
        line = follower.telephony.line()
        assert linkedid in {call.linkedid for call in line.tracker.in_progress()}


async def test_a_lock_connection_cut_leaves_one_worker_tracking(
    postgres_url: str, fake_asterisk: FakeAsterisk
) -> None:
    """The holder's lock connection ends while the database stays up (an administrator's
    pg_terminate_backend): the holder takes the lease back or the other takes over, never
    both, and the call in progress is still followed."""
    async with AsyncExitStack() as stack:
        workers = [
            await stack.enter_async_context(telephony_worker(postgres_url, fake_asterisk))
            for _ in range(2)
        ]
        await until(lambda: any(w.telephony.tracking for w in workers))
        fake_asterisk.place_call(caller="13800138001", scenario="answered", stretch=40.0)
        await until(lambda: any(w.telephony.line().tracker.in_progress() for w in workers))
        admin = await asyncpg.connect(asyncpg_dsn(postgres_url))
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND objid = $1 AND granted",
                lock_key("telephony"),
            )
        finally:
            await admin.close()
        await until(lambda: sum(w.lease.taken_back + w.lease.takeovers for w in workers) == 2)
        await asyncio.sleep(0.6)  # several checks: it stays that way
        tracking = [w for w in workers if w.telephony.tracking]
        assert len(tracking) == 1 and tracking[0].lease.held
        assert tracking[0].telephony.line().tracker.in_progress() != []


async def test_a_call_placed_by_a_worker_standing_by_is_logged_with_its_ticket_and_requester(
    postgres_url: str, fake_asterisk: FakeAsterisk
) -> None:
    """Click-to-call, a ring-back or a survey is placed by whichever worker the request or the
    scheduler is on; the worker tracking the calls must still tie the call to its ActionID,
    agent, ticket and the agent who asked (otherwise: an anonymous outbound call)."""
    async with AsyncExitStack() as stack:
        workers = [
            await stack.enter_async_context(
                telephony_worker(postgres_url, fake_asterisk, relayed=True)
            )
            for _ in range(2)
        ]
        await until(lambda: any(w.telephony.tracking for w in workers))
        follower = next(w for w in workers if not w.telephony.tracking)
        engine = create_engine(postgres_url)
        stack.push_async_callback(engine.dispose)
        async with session_factory(engine)() as session, session.begin():
            agent = User(
                username="agent-far",
                display_name="坐席",
                role=Role.AGENT.value,
                password_hash="x",
                created_at=datetime.now(UTC),
                interface="PJSIP/8001",
            )
            session.add(agent)
            await session.flush()
            agent_id = agent.id
        action_id = await follower.telephony.originate(
            interface="PJSIP/8001",
            number="13800138009",
            context="callback-out",
            caller_id="hotline",
            ticket_id=None,
            requested_by_user_id=agent_id,
        )

        async def logged() -> CallRow | None:
            async with session_factory(engine)() as session:
                rows = await session.exec(
                    select(CallRow).where(CallRow.originate_action_id == action_id)
                )
                return rows.first()

        async with asyncio.timeout(10):
            while (row := await logged()) is None or row.ended_at is None:
                await asyncio.sleep(0.1)
        assert row.direction == "outbound"
        assert row.requested_by_user_id == agent_id
        assert row.agent_interface == "PJSIP/8001"
