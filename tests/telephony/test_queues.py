"""The queues now: one QueueStatus answer folded per queue (pure), summed over every PBX, asked
of the fake Asterisk over TCP; and the expected wait of a caller joining a queue."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import endpoint_of
from hypothesis import given
from hypothesis import strategies as st

from hotline.db.engine import create_engine, session_factory
from hotline.events import EventBus
from hotline.runtime import utc_now
from hotline.telephony.frames import AmiMessage, parse_stream
from hotline.telephony.queues import (
    QueueNow,
    expected_wait_seconds,
    floor,
    fold_queue_status,
    member_states,
    merge_servers,
)
from hotline.telephony.service import Telephony
from hotline.telephony.simulator import FakeAsterisk


def member(queue: str, interface: str, **state: str) -> AmiMessage:
    return AmiMessage.of(
        {"Event": "QueueMember", "Queue": queue, "StateInterface": interface, **state}
    )


def entry(queue: str, wait: int) -> AmiMessage:
    return AmiMessage.of({"Event": "QueueEntry", "Queue": queue, "Wait": str(wait)})


def test_members_fold_into_ready_busy_and_away_per_queue() -> None:
    events = [
        AmiMessage.of(
            {
                "Event": "QueueParams",
                "Queue": "hotline",
                "Holdtime": "35",
                "TalkTime": "182",
                "Completed": "40",
                "Abandoned": "3",
            }
        ),
        member("hotline", "PJSIP/8001", Paused="1", Status="1"),
        member("hotline", "PJSIP/8002", InCall="1", Paused="0", Status="2"),
        member("hotline", "PJSIP/8003", Paused="0", Status="1"),
        member("hotline", "PJSIP/8004", Paused="0", Status="6"),  # ringing
        member("hotline", "PJSIP/8005", Paused="0", Status="5"),  # phone not registered
        member("hotline", "PJSIP/8006", Paused="0", Status="0"),  # state unknown: rung anyway
        entry("hotline", 12),
        entry("hotline", 40),
        member("emergency", "PJSIP/8003", Paused="0", Status="1"),
        AmiMessage.of({"Event": "QueueStatusComplete", "ListItems": "10"}),
    ]
    queues = fold_queue_status(events)
    assert set(queues) == {"hotline", "emergency"}
    hotline = queues["hotline"]
    assert (hotline.waiting, hotline.longest_wait_seconds) == (2, 40)
    assert (hotline.ready, hotline.busy, hotline.away) == (2, 2, 2)
    assert hotline.ready_interfaces == ("PJSIP/8003", "PJSIP/8006")
    assert (hotline.holdtime_seconds, hotline.talktime_seconds) == (35, 182)
    assert (hotline.completed, hotline.abandoned) == (40, 3)
    emergency = queues["emergency"]
    assert emergency.ready_interfaces == ("PJSIP/8003",)
    assert emergency.completed is None, "no QueueParams: not known, not zero"


def test_a_phone_in_two_queues_counts_once_on_the_floor() -> None:
    queues = fold_queue_status(
        [
            member("hotline", "PJSIP/8003", Paused="1"),
            member("emergency", "PJSIP/8003", Paused="0", Status="1"),
            member("hotline", "PJSIP/8002", InCall="1"),
            member("emergency", "PJSIP/8002", Paused="0"),
            entry("emergency", 9),
        ]
    )
    total = floor(queues)
    assert (total.ready, total.busy, total.away) == (1, 1, 0)
    assert (total.waiting, total.longest_wait_seconds) == (1, 9)


def test_each_phone_has_its_busiest_state_over_the_queues() -> None:
    queues = fold_queue_status(
        [
            member("hotline", "PJSIP/8003", Paused="1"),
            member("emergency", "PJSIP/8003", Paused="0", Status="1"),
            member("hotline", "PJSIP/8002", InCall="1"),
            member("emergency", "PJSIP/8002", Paused="0"),
            member("hotline", "PJSIP/8004", Paused="1"),
        ]
    )
    assert member_states(queues) == {
        "PJSIP/8002": "busy",
        "PJSIP/8003": "ready",
        "PJSIP/8004": "away",
    }
    assert member_states({}) == {}


def test_the_same_queue_on_two_servers_adds_up() -> None:
    north = QueueNow(
        waiting=1,
        ready=1,
        ready_interfaces=("PJSIP/8001",),
        completed=30,
        talktime_seconds=100,
        longest_wait_seconds=20,
    )
    south = QueueNow(
        waiting=2,
        busy=1,
        busy_interfaces=("PJSIP/9001",),
        completed=10,
        talktime_seconds=200,
        longest_wait_seconds=50,
    )
    merged = merge_servers([{"hotline": north}, {"hotline": south}])["hotline"]
    assert (merged.waiting, merged.ready, merged.busy) == (3, 1, 1)
    assert merged.longest_wait_seconds == 50
    assert merged.talktime_seconds == 125, "weighted by the calls each has completed"
    assert merged.completed == 40


def test_expected_wait_follows_the_callers_ahead_and_the_talk_time() -> None:
    queue = QueueNow(waiting=3, ready=0, busy=2, talktime_seconds=120, holdtime_seconds=30)
    # Joining behind three: the fourth beyond no free agent, two agents finishing a call
    # every 120 s between them.
    assert expected_wait_seconds(queue) == 4 * 120 / 2
    assert expected_wait_seconds(queue, position=1) == 60
    free = QueueNow(waiting=0, ready=1, busy=1, talktime_seconds=120)
    assert expected_wait_seconds(free) == 0


def test_expected_wait_falls_back_to_asterisks_hold_time() -> None:
    nobody = QueueNow(waiting=2, away=3, holdtime_seconds=95, talktime_seconds=150)
    assert expected_wait_seconds(nobody) == 95
    fresh = QueueNow(waiting=1, busy=2, holdtime_seconds=0, longest_wait_seconds=70)
    assert expected_wait_seconds(fresh) == 70, "no call completed yet: the longest wait now"


def test_a_position_starts_at_one() -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        expected_wait_seconds(QueueNow(), position=0)


queues_now = st.builds(
    QueueNow,
    waiting=st.integers(0, 500),
    longest_wait_seconds=st.integers(0, 86_400),
    ready=st.integers(0, 200),
    busy=st.integers(0, 200),
    away=st.integers(0, 200),
    holdtime_seconds=st.integers(0, 86_400),
    talktime_seconds=st.integers(0, 86_400),
)


@given(queues_now, st.integers(1, 1000), st.integers(1, 1000))
def test_expected_wait_never_shrinks_for_a_later_place(
    queue: QueueNow, first: int, second: int
) -> None:
    early, late = sorted((first, second))
    before = expected_wait_seconds(queue, early)
    after = expected_wait_seconds(queue, late)
    assert 0 <= before <= after < float("inf")


@given(queues_now)
def test_expected_wait_of_a_caller_joining_now_is_a_plain_number(queue: QueueNow) -> None:
    wait = expected_wait_seconds(queue)
    assert 0 <= wait < float("inf")
    assert wait == expected_wait_seconds(queue, queue.waiting + 1)


@pytest.fixture
async def telephony(
    fake_asterisk: FakeAsterisk, sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[Telephony]:
    # A migrated database for the call log the replayed call goes to.
    database = tmp_path / "hotline.db"
    shutil.copy(sqlite_template, database)
    engine = create_engine(f"sqlite:///{database}")
    phones = Telephony(
        endpoints=[endpoint_of(fake_asterisk)],
        sessions=session_factory(engine),
        bus=EventBus(),
        clock=utc_now,
        local_area_code="571",
    )
    await phones.start()
    try:
        await phones.line().client.wait_connected(5)
        yield phones
    finally:
        await phones.stop()
        await engine.dispose()


async def test_queues_now_asks_the_fake_asterisk_over_ami(
    telephony: Telephony, fake_asterisk: FakeAsterisk
) -> None:
    # A real call through the hotline queue (the recorded one): Asterisk's averages follow it.
    await fake_asterisk.replay("answered")
    fake_asterisk.emit(
        AmiMessage.of(
            {
                "Event": "QueueCallerJoin",
                "Queue": "hotline",
                "Uniqueid": "1795400000.1",
                "Channel": "PJSIP/trunk-00000001",
                "CallerIDNum": "13800138001",
            }
        )
    )
    await fake_asterisk.drain()
    queues = await telephony.queues_now()
    assert queues is not None and set(queues) == {"hotline", "emergency"}
    hotline = queues["hotline"]
    assert hotline.waiting == 1
    assert (hotline.holdtime_seconds, hotline.talktime_seconds, hotline.completed) == (1, 4, 1)
    assert hotline.ready_interfaces == ("Local/agent1@agents/n", "Local/agent2@agents/n")
    assert expected_wait_seconds(hotline) == 0, "two agents free for one caller"


async def test_queues_now_is_unknown_while_asterisk_is_away(
    telephony: Telephony, fake_asterisk: FakeAsterisk
) -> None:
    await fake_asterisk.stop()
    assert await telephony.queues_now(timeout=0.5) is None


def test_a_queue_status_recorded_from_a_real_asterisk() -> None:
    recorded = (Path(__file__).parent / "captures" / "queue-status.ami").read_bytes()
    queues = fold_queue_status(list(parse_stream(recorded)))
    hotline, emergency = queues["hotline"], queues["emergency"]
    assert (hotline.waiting, hotline.ready, hotline.busy, hotline.away) == (0, 1, 0, 1)
    assert hotline.ready_interfaces == ("PJSIP/8001",)
    assert hotline.away_interfaces == ("PJSIP/8002",)
    assert (emergency.waiting, emergency.longest_wait_seconds) == (1, 4)
    assert (emergency.ready, emergency.busy, emergency.away) == (0, 2, 0), "both phones ringing"
    assert (emergency.completed, emergency.abandoned, emergency.holdtime_seconds) == (0, 0, 0)
    # Nobody free, nothing measured yet: the caller's own wait so far is the best figure.
    assert expected_wait_seconds(emergency, position=1) == 4
