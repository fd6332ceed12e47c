"""The real AMI client and telephony service against the fake Asterisk over TCP: the call log
they write agrees with Asterisk's own CDR, bad input is survived, a lost connection heals."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from conftest import endpoint_of
from sqlmodel import col, select
from truth import capture_names, compare_with_truth

from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import CallRow
from hotline.events import EventBus
from hotline.telephony.ami import AmiState, Backoff, tcp_connection
from hotline.telephony.frames import AmiMessage
from hotline.telephony.model import call_json
from hotline.telephony.service import Telephony
from hotline.telephony.simulator import FakeAsterisk
from hotline.telephony.simulator.capture import RecordedEvent, load_capture

PING_SECONDS = 0.5


def utc_now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def telephony_on(
    fake: FakeAsterisk, database_url: str, *, in_memory: bool = False, bus: EventBus | None = None
) -> AsyncIterator[Telephony]:
    engine = create_engine(database_url)
    telephony = Telephony(
        endpoints=[endpoint_of(fake)],
        sessions=session_factory(engine),
        bus=bus or EventBus(),
        clock=utc_now,
        local_area_code="571",
        ping_interval=PING_SECONDS,
        connect=fake.connect_in_memory if in_memory else tcp_connection,
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


async def test_the_client_runs_over_an_in_memory_connection(database_url: str) -> None:
    """No port at all: the connection factory hands the client one end of an in-memory pair,
    the fake Asterisk serves the other."""
    fake = FakeAsterisk()
    try:
        async with telephony_on(fake, database_url, in_memory=True) as telephony:
            await fake.replay("combined")
            await settle(telephony)
            assert telephony.line().client.stats.connects == 1
    finally:
        await fake.close()
    assert compare_with_truth(await call_log(database_url), "combined") == []


def cut_at(recorded: list[RecordedEvent], kind: str) -> int:
    """The index just after the first `kind` event."""
    return next(i for i, event in enumerate(recorded) if event.message.event == kind) + 1


async def wait_until(condition: Callable[[], bool], what: str, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        await asyncio.sleep(0.02)


async def test_a_graceful_restart_keeps_the_link_while_calls_drain_and_rejoins_at_once(
    database_url: str,
) -> None:
    """`core restart gracefully`: Asterisk answers Pings and logins "Asterisk is shutting down"
    while its calls go on. The link stays (the call's end still arrives), health says the PBX
    is restarting, and after the restart the login is retried with the normal backoff, not
    the 30 s of a wrong secret."""
    fake = FakeAsterisk()
    await fake.start()
    recorded = load_capture("answered")
    talking = cut_at(recorded, "AgentConnect")
    try:
        async with telephony_on(fake, database_url) as telephony:
            client = telephony.line().client
            await fake.send_recorded(recorded[:talking])
            fake.shut_down_gracefully()
            await wait_until(lambda: telephony.health()["state"] == "restarting", "restarting")
            assert client.state is AmiState.RESTARTING
            await fake.send_recorded(recorded[talking:])  # the call drains and ends
            await settle(telephony)
            assert client.stats.disconnects == 0
            await fake.restart()
            await wait_until(lambda: client.stats.connects == 2, "the reconnect", Backoff().cap)
            assert telephony.health()["state"] == "ok"
    finally:
        await fake.close()
    assert compare_with_truth(await call_log(database_url), "answered") == []


async def test_a_login_refused_while_the_pbx_shuts_down_is_retried_with_the_normal_backoff(
    database_url: str,
) -> None:
    fake = FakeAsterisk()
    await fake.start()
    fake.shut_down_gracefully()
    try:
        async with telephony_on_without_waiting(fake, database_url) as telephony:
            client = telephony.line().client
            await wait_until(lambda: client.state is AmiState.RESTARTING, "restarting")
            assert telephony.health()["servers"][0]["state"] == "restarting"
            await fake.restart()
            await wait_until(lambda: client.connected, "the login", Backoff().cap)
    finally:
        await fake.close()


@asynccontextmanager
async def telephony_on_without_waiting(
    fake: FakeAsterisk, database_url: str
) -> AsyncIterator[Telephony]:
    engine = create_engine(database_url)
    telephony = Telephony(
        endpoints=[endpoint_of(fake)],
        sessions=session_factory(engine),
        bus=EventBus(),
        clock=utc_now,
        local_area_code="571",
        ping_interval=PING_SECONDS,
    )
    await telephony.start()
    try:
        yield telephony
    finally:
        await telephony.stop()
        await engine.dispose()


async def test_a_call_cut_off_by_a_restart_ends_when_the_connection_was_lost(
    database_url: str,
) -> None:
    """`core restart now` while the caller talks: the call is gone when hotline is back. It
    talked at least until the connection was lost (Pings kept it known alive), not ~0 s."""
    fake = FakeAsterisk()
    await fake.start()
    recorded = load_capture("answered")
    talking = cut_at(recorded, "AgentConnect")
    quiet = 3 * PING_SECONDS
    try:
        async with telephony_on(fake, database_url) as telephony:
            client = telephony.line().client
            await fake.send_recorded(recorded[:talking])
            await asyncio.sleep(quiet)  # the talk: no events, Pings answered
            await fake.restart()
            await wait_until(lambda: client.stats.connects == 2, "the reconnect")
            await settle(telephony)
    finally:
        await fake.close()
    (row,) = await call_log(database_url)
    assert row.disposition == "incomplete"
    assert row.answered_at is not None and row.ended_at is not None
    assert row.talk_seconds is not None and row.talk_seconds >= quiet
    assert call_json(row, UTC)["times_are_lower_bounds"] is True


async def test_call_events_on_the_bus_are_json(database_url: str) -> None:
    fake = FakeAsterisk()
    await fake.start()
    bus = EventBus()
    try:
        async with (
            bus.subscribe("call") as calls,
            telephony_on(fake, database_url, bus=bus) as telephony,
        ):
            await fake.replay("answered")
            await settle(telephony)
            published = calls.drain()
    finally:
        await fake.close()
    assert [event.topic for event in published][-1] == "call.ended"
    for event in published:
        body = json.loads(json.dumps(event.data))  # no fallback for Python objects
        assert body["call"]["linkedid"] == "1795344995.0"
        assert datetime.fromisoformat(body["call"]["started_at"]).tzinfo is not None
    assert body["call"]["disposition"] == "answered"
    assert body["call"]["agent"] == {"name": "Agent1", "interface": "Local/agent1@agents/n"}


async def test_replaying_an_older_recording_after_a_cut_mixes_no_clocks(
    database_url: str,
) -> None:
    """The fake's clock is the recording's (a week ago) while ours is today: calls rebuilt after
    the reconnect must take their times from the PBX's clock, or a wait is a week long."""
    fake = FakeAsterisk()
    await fake.start()
    recorded = load_capture("burst")
    first, second = len(recorded) // 3, len(recorded) // 2
    try:
        async with telephony_on(fake, database_url) as telephony:
            client = telephony.line().client
            await fake.send_recorded(recorded[:first])
            await fake.stop()
            await fake.send_recorded(recorded[first:second])
            await fake.start()
            await client.wait_connected(5)
            await fake.send_recorded(recorded[second:])
            await settle(telephony)
    finally:
        await fake.close()
    stamps = [event.timestamp for event in recorded if event.timestamp is not None]
    span = max(stamps) - min(stamps)
    rows = await call_log(database_url)
    assert len(rows) > 10
    for row in rows:
        assert row.ended_at is not None and row.started_at <= row.ended_at
        if row.answered_at is not None:
            assert row.started_at <= row.answered_at <= row.ended_at
        for seconds in (row.wait_seconds, row.talk_seconds):
            assert seconds is None or 0 <= seconds <= span
    answered_while_away = [
        row for row in rows if row.disposition == "answered" and row.agent_name is None
    ]
    assert answered_while_away == [], "an answered call lost its agent"


async def test_a_hotline_restart_with_a_call_up_keeps_what_the_log_knew(database_url: str) -> None:
    """hotline stops while a caller talks and starts again: the rebuild from CoreShowChannels
    knows less (no IVR choice, an answer it can only estimate), and must not overwrite the
    call log's facts; the call ends as Asterisk recorded it."""
    fake = FakeAsterisk()
    await fake.start()
    recorded = load_capture("answered")
    talking = cut_at(recorded, "BridgeEnter")
    try:
        async with telephony_on(fake, database_url) as telephony:
            await fake.send_recorded(recorded[:talking])
            await wait_until(
                lambda: any(r.answered_at for r in telephony.line().tracker.in_progress()),
                "the answer",
            )
            await asyncio.wait_for(telephony.writer.flushed(), 5)
        (before,) = await call_log(database_url)
        assert before.ended_at is None and before.ivr_choice == "repair"
        async with telephony_on(fake, database_url) as restarted:
            await fake.send_recorded(recorded[talking:])
            await settle(restarted)
    finally:
        await fake.close()
    (after,) = await call_log(database_url)
    assert (after.answered_at, after.ivr_choice) == (before.answered_at, "repair")
    assert compare_with_truth([after], "answered") == []


async def test_a_pbx_that_stops_rather_than_restarts_is_not_said_to_be_restarting(
    database_url: str,
) -> None:
    """`core stop gracefully` drains like a restart, but its Shutdown says `Restart: False`:
    it will not come back by itself, and health must not promise it."""
    fake = FakeAsterisk()
    await fake.start()
    try:
        async with telephony_on(fake, database_url) as telephony:
            client = telephony.line().client
            fake.shut_down_gracefully()
            await wait_until(lambda: client.state is AmiState.RESTARTING, "restarting")
            fake.emit(
                AmiMessage.of(
                    [("Event", "Shutdown"), ("Shutdown", "Cleanly"), ("Restart", "False")]
                )
            )
            await fake.stop()
            await wait_until(lambda: client.stats.disconnects == 1, "the loss")
            assert telephony.health()["servers"][0]["state"] != "restarting"
    finally:
        await fake.close()
