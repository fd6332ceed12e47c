"""The fake Asterisk over real TCP, spoken to by a bare AMI client written here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from hotline.telephony.frames import AmiMessage, FrameReader, encode
from hotline.telephony.simulator import FakeAsterisk
from hotline.telephony.simulator.capture import load_capture


class Wire:
    """A raw AMI connection: what Asterisk sends, message by message."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.frames = FrameReader()
        self.inbox: list[AmiMessage] = []
        self.raw = bytearray()

    async def send(self, action: str, **headers: str) -> None:
        self.writer.write(encode([("Action", action), *headers.items()]))
        await self.writer.drain()

    async def next(self, timeout: float = 3.0) -> AmiMessage:
        while not self.inbox:
            chunk = await asyncio.wait_for(self.reader.read(65536), timeout)
            if not chunk:
                raise EOFError("the fake closed the connection")
            self.raw.extend(chunk)
            self.inbox.extend(self.frames.feed(chunk))
        return self.inbox.pop(0)

    async def until(self, predicate: object, timeout: float = 3.0) -> list[AmiMessage]:
        seen = []
        while True:
            message = await self.next(timeout)
            seen.append(message)
            if predicate(message):  # type: ignore[operator]
                return seen


@asynccontextmanager
async def wire(fake: FakeAsterisk, login: bool = True) -> AsyncIterator[Wire]:
    reader, writer = await asyncio.open_connection("127.0.0.1", fake.port)
    connection = Wire(reader, writer)
    try:
        if login:
            await connection.send(
                "Login", ActionID="l1", Username=fake.username, Secret=fake.secret
            )
            response = await connection.next()
            assert response.response == "Success" and response.action_id == "l1"
            assert (await connection.next()).event == "FullyBooted"
        yield connection
    finally:
        writer.close()
        await writer.wait_closed()


async def test_banner_login_ping_and_logoff(fake_asterisk: FakeAsterisk) -> None:
    async with wire(fake_asterisk) as connection:
        assert connection.frames.banner == "Asterisk Call Manager/11.0.0"
        await connection.send("Ping", ActionID="p1")
        pong = await connection.next()
        assert (pong.response, pong.action_id, pong.get("Ping")) == ("Success", "p1", "Pong")
        assert pong.timestamp is not None
        await connection.send("Logoff", ActionID="bye")
        goodbye = await connection.next()
        assert goodbye.response == "Goodbye"
        with pytest.raises(EOFError):
            await connection.next()


async def test_wrong_secret_and_actions_before_login(fake_asterisk: FakeAsterisk) -> None:
    async with wire(fake_asterisk, login=False) as connection:
        await connection.send("Ping", ActionID="early")
        early = await connection.next()
        assert early.response == "Error" and early.action_id == "early"
        await connection.send("Login", ActionID="l", Username="hotline", Secret="wrong")
        refused = await connection.next()
        assert (refused.response, refused.get("Message")) == ("Error", "Authentication failed")


async def test_unknown_action_is_an_error_with_its_action_id(fake_asterisk: FakeAsterisk) -> None:
    async with wire(fake_asterisk) as connection:
        await connection.send("MakeCoffee", ActionID="c1")
        answer = await connection.next()
        assert (answer.response, answer.action_id) == ("Error", "c1")
        assert answer.get("Message") == "Invalid/unknown command"


async def test_replay_sends_the_recorded_events_byte_for_byte(fake_asterisk: FakeAsterisk) -> None:
    recorded = load_capture("answered")
    async with wire(fake_asterisk) as connection:
        start = len(connection.raw)
        await fake_asterisk.replay("answered")
        expected = b"".join(event.raw for event in recorded)
        while len(connection.raw) - start < len(expected):
            chunk = await asyncio.wait_for(connection.reader.read(65536), 3)
            connection.raw.extend(chunk)
        tail = bytes(connection.raw[-len(expected) :])
        assert tail == expected


async def test_core_show_channels_lists_what_is_up_mid_replay(
    fake_asterisk: FakeAsterisk,
) -> None:
    recorded = load_capture("burst")
    cut = len(recorded) // 2
    up: dict[str, str] = {}
    for event in recorded[:cut]:
        message = event.message
        if message.event == "Newchannel":
            up[message["Uniqueid"]] = message["Channel"]
        elif message.event == "Hangup":
            up.pop(message["Uniqueid"], None)
    assert up, "the cut must fall while calls are up"
    async with wire(fake_asterisk) as connection:
        await fake_asterisk.send_recorded(recorded[:cut])
        await connection.send("CoreShowChannels", ActionID="s1")
        messages = await connection.until(
            lambda m: m.event == "CoreShowChannelsComplete" and m.action_id == "s1"
        )
    listed = [m for m in messages if m.event == "CoreShowChannel" and m.action_id == "s1"]
    assert {m["Uniqueid"]: m["Channel"] for m in listed} == up
    assert all(m["Linkedid"] and m["Duration"].count(":") == 2 for m in listed)
    assert messages[-1]["ListItems"] == str(len(up))


async def test_queue_status_summary_and_pause(fake_asterisk: FakeAsterisk) -> None:
    async with wire(fake_asterisk) as connection:
        await connection.send("QueueSummary", ActionID="q1", Queue="hotline")
        summary = await connection.until(lambda m: m.event == "QueueSummaryComplete")
        (hotline,) = [m for m in summary if m.event == "QueueSummary"]
        assert (hotline["LoggedIn"], hotline["Available"]) == ("2", "2")
        await connection.send(
            "QueuePause",
            ActionID="p",
            Interface="Local/agent1@agents/n",
            Paused="true",
            Reason="lunch",
        )
        paused = await connection.until(lambda m: m.event == "QueueMemberPause")
        assert paused[0].response == "Success"
        assert (paused[-1]["MemberName"], paused[-1]["Paused"]) == ("Agent1", "1")
        await connection.send("QueueStatus", ActionID="q2")
        status = await connection.until(lambda m: m.event == "QueueStatusComplete")
        members = {m["Name"]: m["Paused"] for m in status if m.event == "QueueMember"}
        assert members == {"Agent1": "1", "Agent2": "0", "Agent3": "0", "Agent4": "0"}
        assert {m["Queue"] for m in status if m.event == "QueueParams"} == {
            "emergency",
            "hotline",
        }
        await connection.send("QueuePause", ActionID="p2", Interface="PJSIP/9999", Paused="true")
        assert (await connection.until(lambda m: m.action_id == "p2"))[-1].response == "Error"


@pytest.mark.parametrize(
    ("number", "outcome"), [("13800138001", "Success"), ("13800138002", "Failure")]
)
async def test_originate_ends_in_an_originate_response_with_our_action_id(
    fake_asterisk: FakeAsterisk, number: str, outcome: str
) -> None:
    async with wire(fake_asterisk) as connection:
        await connection.send(
            "Originate",
            ActionID="o1",
            Channel="PJSIP/8001",
            Context="callback-out",
            Exten=number,
            Priority="1",
            Async="true",
        )
        queued = await connection.next()
        assert (queued.response, queued.get("Message")) == (
            "Success",
            "Originate successfully queued",
        )
        messages = await connection.until(lambda m: m.event == "OriginateResponse", timeout=5)
    response = messages[-1]
    assert (response.action_id, response["Response"]) == ("o1", outcome)
    assert any(m.event == "Newchannel" and number in m["Channel"] for m in messages)


async def test_injected_faults_reach_the_client(fake_asterisk: FakeAsterisk) -> None:
    async with wire(fake_asterisk) as connection:
        fake_asterisk.inject_raw(b"\x00garbage\r\n\r\nEvent: Weird\r\nName: \xff\xfe\r\n\r\n")
        weird = await connection.next()
        assert weird.event == "Weird" and weird["Name"] == "\ufffd\ufffd"
        assert connection.frames.stats.malformed_lines == 1


async def test_dropped_and_restarted_on_the_same_port(fake_asterisk: FakeAsterisk) -> None:
    port = fake_asterisk.port
    async with wire(fake_asterisk) as connection:
        await fake_asterisk.stop()
        with pytest.raises(EOFError):
            await connection.next()
    await fake_asterisk.start()
    assert fake_asterisk.port == port
    async with wire(fake_asterisk) as again:
        await again.send("Ping", ActionID="back")
        assert (await again.next()).get("Ping") == "Pong"
