"""The real AMI client and telephony service against the fake Asterisk over TCP: the call log
they write agrees with Asterisk's own CDR, bad input is survived, a lost connection heals."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from conftest import endpoint_of
from sqlmodel import col, select
from truth import capture_names, compare_with_truth

from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import CallRow
from hotline.events import EventBus
from hotline.telephony.ami import AmiState
from hotline.telephony.service import Telephony
from hotline.telephony.simulator import FakeAsterisk
from hotline.telephony.simulator.capture import load_capture


def utc_now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def telephony_on(fake: FakeAsterisk, database_url: str) -> AsyncIterator[Telephony]:
    engine = create_engine(database_url)
    telephony = Telephony(
        endpoints=[endpoint_of(fake)],
        sessions=session_factory(engine),
        bus=EventBus(),
        clock=utc_now,
        local_area_code="571",
        ping_interval=1.0,
    )
    await telephony.start()
    try:
        await telephony.line().client.wait_connected(5)
        yield telephony
    finally:
        await telephony.stop()
        await engine.dispose()


async def settle(telephony: Telephony, timeout: float = 10.0) -> None:
    """Until every call has ended and the call log holds them all."""
    deadline = time.monotonic() + timeout
    while telephony.line().tracker.in_progress():
        assert time.monotonic() < deadline, "calls still in progress"
        await asyncio.sleep(0.02)
    await asyncio.wait_for(telephony.writer.flushed(), timeout)


async def call_log(database_url: str) -> list[CallRow]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        rows = list((await session.exec(select(CallRow).order_by(col(CallRow.id)))).all())
    await engine.dispose()
    return rows


@pytest.mark.parametrize("capture", capture_names())
async def test_replayed_captures_give_the_call_log_asterisk_recorded(
    fake_asterisk: FakeAsterisk, database_url: str, capture: str
) -> None:
    async with telephony_on(fake_asterisk, database_url) as telephony:
        await fake_asterisk.replay(capture)
        await settle(telephony)
    assert compare_with_truth(await call_log(database_url), capture) == []


async def test_bad_input_is_skipped_and_logged_once(
    fake_asterisk: FakeAsterisk, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    recorded = load_capture("burst")
    third = len(recorded) // 3
    faults = [
        b"\x00\x01\x02 random bytes\r\n\r\n",
        b"Event: Spam\r\nData: " + b"x" * (1024 * 1024) + b"\r\n\r\n",
        b"Event: Newchannel\r\nChannel: \xff\xfe\xfd\r\n\r\n",
        b"Event: Hangup\r\nUniqueid: 1795345056.32\r\n\r\n",
        b"Event: SomethingNew\r\nLinkedid: 1795345055.22\r\nWhat: ever\r\n\r\n",
        b"no colon at all\r\nEvent: Broken\r\n\r\n",
    ]
    with caplog.at_level(logging.WARNING, logger="hotline.telephony.ami"):
        async with telephony_on(fake_asterisk, database_url) as telephony:
            await fake_asterisk.send_recorded(recorded[:third])
            for fault in faults:
                fake_asterisk.inject_raw(fault)
            await fake_asterisk.send_recorded(recorded[third:])
            await settle(telephony)
            client = telephony.line().client
            assert client.stats.connects == 1 and client.state is AmiState.CONNECTED
            assert client.frames.oversized_lines == 1
    assert compare_with_truth(await call_log(database_url), "burst") == []
    reports = [r for r in caplog.records if "malformed input" in r.getMessage()]
    assert len(reports) == 1


async def test_killed_mid_burst_and_restarted(
    fake_asterisk: FakeAsterisk, database_url: str
) -> None:
    recorded = load_capture("burst")
    first, second = len(recorded) // 3, len(recorded) // 2
    async with telephony_on(fake_asterisk, database_url) as telephony:
        client = telephony.line().client
        await fake_asterisk.send_recorded(recorded[:first])
        await fake_asterisk.stop()
        # While hotline is cut off the PBX goes on: some calls end unseen.
        await fake_asterisk.send_recorded(recorded[first:second])
        await asyncio.sleep(1.0)
        assert client.state is not AmiState.CONNECTED
        restarted = time.monotonic()
        await fake_asterisk.start()
        await client.wait_connected(5)
        assert time.monotonic() - restarted < 5
        assert client.stats.connects == 2
        await fake_asterisk.send_recorded(recorded[second:])
        await settle(telephony)
    rows = await call_log(database_url)
    truth_ids = {m.message["Linkedid"] for m in recorded if m.message.event == "Newchannel"}
    assert {row.linkedid for row in rows} == {lid for lid in truth_ids if lid.count(".") == 1}
    incomplete = [row for row in rows if row.disposition == "incomplete"]
    assert incomplete, "calls that ended during the outage are marked incomplete"
    assert all(row.ended_at is not None for row in rows)
    ended_unseen = {
        m.message["Linkedid"]
        for m in recorded[first:second]
        if m.message.event == "Hangup" and m.message["Uniqueid"] == m.message["Linkedid"]
    }
    assert {row.linkedid for row in incomplete} <= ended_unseen


async def test_two_asterisk_servers_each_logged_under_their_name(database_url: str) -> None:
    north, south = FakeAsterisk(), FakeAsterisk()
    await north.start()
    await south.start()
    engine = create_engine(database_url)
    telephony = Telephony(
        endpoints=[endpoint_of(north, "north"), endpoint_of(south, "south")],
        sessions=session_factory(engine),
        bus=EventBus(),
        clock=utc_now,
        local_area_code="571",
    )
    await telephony.start()
    try:
        for name in ("north", "south"):
            await telephony.line(name).client.wait_connected(5)
        await asyncio.gather(north.replay("answered"), south.replay("ivr-only"))
        for name in ("north", "south"):
            deadline = time.monotonic() + 10
            while telephony.line(name).tracker.in_progress():
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
        await telephony.writer.flushed()
        assert telephony.health()["state"] == "ok"
    finally:
        await telephony.stop()
        await engine.dispose()
        await north.close()
        await south.close()
    rows = await call_log(database_url)
    assert {(row.server, row.disposition) for row in rows} == {
        ("north", "answered"),
        ("south", "ivr_only"),
    }
