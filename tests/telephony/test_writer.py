"""The call log writer on both databases: one row per call however many snapshots, the
customer and agent filled in by the database, and nothing lost while the database is away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from conftest import inbound_call
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import CallRow, Customer, CustomerPhone, User
from hotline.telephony.model import CallRecord, Direction, Disposition
from hotline.telephony.writer import CallWriter, OriginateLink, calls_in_progress

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 11, 22, 10, 56, 35, tzinfo=UTC)


def call(linkedid: str, **changes: object) -> CallRecord:
    return replace(inbound_call(linkedid, T0), **changes)  # type: ignore[arg-type]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def rows(sessions: Sessions) -> list[CallRow]:
    async with sessions() as session:
        return list((await session.exec(select(CallRow).order_by(col(CallRow.id)))).all())


async def test_snapshots_of_one_call_make_one_row(sessions: Sessions) -> None:
    writer = CallWriter(sessions, lambda: T0, flush_interval=0.01)
    writer.start()
    try:
        writer.put(call("1.0"))
        await writer.flushed()
        answered = call(
            "1.0",
            agent_name="Agent1",
            agent_interface="PJSIP/8001",
            answered_at=T0 + timedelta(seconds=2),
            wait_seconds=1.0,
        )
        writer.put(answered)
        writer.put(
            replace(
                answered,
                ended_at=T0 + timedelta(seconds=6),
                talk_seconds=4.0,
                disposition=Disposition.ANSWERED,
            )
        )
        await writer.flushed()
    finally:
        await writer.stop()
    (row,) = await rows(sessions)
    assert (row.linkedid, row.agent_name, row.disposition) == ("1.0", "Agent1", "answered")
    assert row.talk_seconds == 4.0 and row.ended_at == T0 + timedelta(seconds=6)
    assert writer.stats.written >= 2


async def test_the_database_fills_in_customer_agent_and_originate_link(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        customer = Customer(account_number="GS1", name="赵磊", created_at=T0)
        agent = User(
            username="li",
            display_name="李",
            role="agent",
            password_hash="x",
            interface="PJSIP/8001",
            created_at=T0,
        )
        session.add_all([customer, agent])
        await session.flush()
        session.add(CustomerPhone(customer_id=customer.id, number="+8613800138001"))
    writer = CallWriter(sessions, lambda: T0, flush_interval=0.01)
    writer.link("orig-1", OriginateLink(ticket_id=None, requested_by_user_id=agent.id))
    writer.start()
    try:
        writer.put(call("2.0", agent_interface="PJSIP/8001", agent_name="Agent1"))
        writer.put(
            call(
                "3.0",
                caller="+8613900000000",
                direction=Direction.OUTBOUND,
                originate_action_id="orig-1",
            )
        )
        await writer.flushed()
    finally:
        await writer.stop()
    first, second = await rows(sessions)
    assert first.customer_id == customer.id and first.agent_user_id == agent.id
    assert second.requested_by_user_id == agent.id and second.originate_action_id == "orig-1"


async def test_a_phone_the_dialplan_dialled_names_the_user_whose_interface_it_is(
    sessions: Sessions,
) -> None:
    """The emergency queue's overflow rings the on-call phones with the dialplan's own Dial:
    Asterisk names no queue member, only the phone. The call log names the user of that
    phone; a queue member's name, where Asterisk gives one, stays as it is."""
    async with sessions() as session, session.begin():
        session.add(
            User(
                username="zhou",
                display_name="周值班",
                role="dispatcher",
                password_hash="x",
                interface="PJSIP/8005",
                created_at=T0,
            )
        )
    writer = CallWriter(sessions, lambda: T0, flush_interval=0.01)
    writer.start()
    try:
        writer.put(call("6.0", queue="emergency", agent_interface="PJSIP/8005"))
        writer.put(call("7.0", agent_interface="PJSIP/8005", agent_name="Oncall"))
        writer.put(call("8.0", agent_interface="PJSIP/8006"))
        await writer.flushed()
    finally:
        await writer.stop()
    overflow, member, nobody = await rows(sessions)
    assert (overflow.agent_name, overflow.agent_interface) == ("zhou", "PJSIP/8005")
    assert overflow.agent_user_id is not None
    assert member.agent_name == "Oncall"
    assert (nobody.agent_name, nobody.agent_user_id) == (None, None)


async def test_a_poorer_snapshot_of_a_call_never_erases_a_stored_fact(sessions: Sessions) -> None:
    """What a rebuild from CoreShowChannels may send for a call the log knows better: no IVR
    choice, no agent, no wait, a later estimate of the answer. The row keeps what it had; the
    snapshot still moves what only it knows (the end)."""
    known = call(
        "4.0",
        agent_name="Agent1",
        agent_interface="PJSIP/8001",
        answered_at=T0 + timedelta(seconds=2),
        wait_seconds=1.5,
        customer_id=None,
    )
    rebuilt = call(
        "4.0",
        ivr_choice=None,
        queue=None,
        started_at=T0 + timedelta(seconds=1),
        answered_at=T0 + timedelta(seconds=30),
        ended_at=T0 + timedelta(seconds=40),
        talk_seconds=10.0,
        disposition=Disposition.ANSWERED,
    )
    writer = CallWriter(sessions, lambda: T0, flush_interval=0.01)
    writer.start()
    try:
        writer.put(known)
        await writer.flushed()
        writer.put(rebuilt)
        await writer.flushed()
    finally:
        await writer.stop()
    (row,) = await rows(sessions)
    assert (row.ivr_choice, row.queue) == ("repair", "hotline")
    assert (row.agent_name, row.agent_interface) == ("Agent1", "PJSIP/8001")
    assert (row.started_at, row.answered_at) == (T0, T0 + timedelta(seconds=2))
    assert row.wait_seconds == 1.5
    assert (row.ended_at, row.disposition) == (T0 + timedelta(seconds=40), "answered")


async def test_a_new_agent_replaces_the_stored_one_whole(sessions: Sessions) -> None:
    writer = CallWriter(sessions, lambda: T0, flush_interval=0.01)
    writer.start()
    try:
        writer.put(call("5.0", agent_name="Agent1", agent_interface="PJSIP/8001"))
        await writer.flushed()
        writer.put(call("5.0", agent_name=None, agent_interface="PJSIP/8002"))
        await writer.flushed()
    finally:
        await writer.stop()
    (row,) = await rows(sessions)
    assert (row.agent_name, row.agent_interface) == (None, "PJSIP/8002")


async def test_calls_in_progress_come_back_as_they_were_written(sessions: Sessions) -> None:
    talking = call(
        "6.0",
        agent_name="Agent1",
        agent_interface="PJSIP/8001",
        answered_at=T0 + timedelta(seconds=2),
        wait_seconds=1.5,
        customer_id=None,
    )
    writer = CallWriter(sessions, lambda: T0, flush_interval=0.01)
    writer.start()
    try:
        writer.put(talking)
        writer.put(call("7.0", ended_at=T0, disposition=Disposition.IVR_ONLY, queue=None))
        writer.put(replace(talking, linkedid="8.0", server="another"))
        await writer.flushed()
    finally:
        await writer.stop()
    assert await calls_in_progress(sessions, "pbx") == [talking]


async def test_overflow_drops_calls_in_progress_first_and_counts(sessions: Sessions) -> None:
    writer = CallWriter(sessions, lambda: T0, max_pending=3)
    writer.put(call("ended", ended_at=T0, disposition=Disposition.ABANDONED))
    for index in range(4):
        writer.put(call(f"live-{index}"))
    assert writer.pending == 3 and writer.stats.overflowed == 2
    writer.start()
    try:
        await writer.flushed()
    finally:
        await writer.stop()
    assert "ended" in {row.linkedid for row in await rows(sessions)}


async def _allow_connections(database_url: str, allowed: bool) -> None:
    url = make_url(database_url)
    admin = await asyncpg.connect(
        url.set(database="postgres").render_as_string(hide_password=False)
    )
    try:
        await admin.execute(f'ALTER DATABASE "{url.database}" WITH ALLOW_CONNECTIONS {allowed}')
        if not allowed:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                url.database,
            )
    finally:
        await admin.close()


async def test_ten_seconds_without_the_database_lose_nothing(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the outage is staged on PostgreSQL, the production database")
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    writer = CallWriter(sessions, lambda: T0, flush_interval=0.01, max_retry_delay=0.5)
    writer.start()
    try:
        writer.put(call("before"))
        await writer.flushed()
        await _allow_connections(database_url, False)
        try:
            for index in range(300):
                writer.put(call(f"during-{index}", ended_at=T0, disposition=Disposition.IVR_ONLY))
                if index % 30 == 0:
                    await asyncio.sleep(1)
            assert writer.stats.failing_since is not None
            assert writer.pending == 300
        finally:
            await _allow_connections(database_url, True)
        await asyncio.wait_for(writer.flushed(), 15)
    finally:
        await writer.stop()
    async with sessions() as session:
        count = (await session.exec(select(func.count()).select_from(CallRow))).one()
    await engine.dispose()
    assert count == 301
    assert writer.stats.failing_since is None and writer.stats.failures > 0
