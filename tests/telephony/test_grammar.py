"""The captures define the grammar; the generator must speak it too."""

from __future__ import annotations

import asyncio

import pytest

from hotline.telephony.frames import AmiMessage, FrameReader, encode
from hotline.telephony.simulator import FakeAsterisk
from hotline.telephony.simulator.capture import load_capture
from hotline.telephony.simulator.grammar import Vocabulary, check_stream

CAPTURES = [
    "answered",
    "abandoned",
    "ivr-only",
    "complaint-agent-hangup",
    "callback-answered",
    "callback-noanswer",
    "burst",
    "combined",
]


def messages(name: str) -> list[AmiMessage]:
    return [event.message for event in load_capture(name)]


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.learn(messages(name) for name in CAPTURES)


@pytest.mark.parametrize("name", CAPTURES)
def test_every_capture_passes(vocabulary: Vocabulary, name: str) -> None:
    assert check_stream(messages(name), vocabulary) == []


def test_a_broken_stream_is_caught(vocabulary: Vocabulary) -> None:
    stream = messages("answered")
    hangup = next(i for i, m in enumerate(stream) if m.event == "Hangup")
    newchannel = next(i for i, m in enumerate(stream) if m.event == "Newchannel")
    reordered = [stream[hangup], *stream[:hangup], *stream[hangup + 1 :]]
    assert any("before its Newchannel" in p for p in check_stream(reordered, vocabulary))
    stripped = list(stream)
    stripped[newchannel] = AmiMessage(
        tuple(pair for pair in stream[newchannel].headers if pair[0] != "Linkedid")
    )
    assert any("missing Linkedid" in p for p in check_stream(stripped, vocabulary))
    backwards = list(stream)
    backwards.append(AmiMessage.of({"Event": "Ping", "Timestamp": "1000.0"}))
    problems = check_stream(backwards, vocabulary)
    assert any("Timestamp goes back" in p for p in problems)
    assert any("never had" in p for p in problems)


async def test_two_hundred_generated_calls_speak_the_captures_grammar(
    vocabulary: Vocabulary,
) -> None:
    fake = FakeAsterisk(speed=200.0)
    await fake.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", fake.port)
    writer.write(
        encode([("Action", "Login"), ("Username", fake.username), ("Secret", fake.secret)])
    )
    frames = FrameReader()
    received: list[AmiMessage] = []

    async def collect() -> None:
        while chunk := await reader.read(65536):
            received.extend(frames.feed(chunk))

    collector = asyncio.create_task(collect())
    try:
        await fake.wait_for_clients()
        await fake.generate(calls_per_minute=30, seed=7, count=200)
        await fake.calls_done()
        await asyncio.sleep(0.2)
    finally:
        writer.close()
        await writer.wait_closed()
        collector.cancel()
        await fake.close()
    events = [m for m in received if m.event not in (None, "FullyBooted")]
    assert check_stream(events, vocabulary) == []
    roots = {m["Linkedid"] for m in events if m.event == "Newchannel"}
    assert len(roots) == 200
    names = {m.event for m in events}
    assert {"AgentConnect", "QueueCallerAbandon", "Hangup"} <= names
    assert names <= set(vocabulary.required)
