"""The AMI wire parser: whole messages from chunks of any size, and bad input skipped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.telephony.frames import MAX_LINE_BYTES, AmiMessage, FrameReader, encode

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
NEWCHANNEL = (
    "Event: Newchannel\r\nChannel: PJSIP/trunk-00000001\r\nCallerIDName: 张伟\r\n"
    "Uniqueid: 1795344995.0\r\nLinkedid: 1795344995.0\r\n\r\n"
).encode()
HANGUP = b"Event: Hangup\r\nUniqueid: 1795344995.0\r\nLinkedid: 1795344995.0\r\nCause: 16\r\n\r\n"


def feed_all(reader: FrameReader, *chunks: bytes) -> list[AmiMessage]:
    return [message for chunk in chunks for message in reader.feed(chunk)]


def test_banner_then_messages() -> None:
    reader = FrameReader()
    messages = feed_all(reader, BANNER + NEWCHANNEL + HANGUP)
    assert reader.banner == "Asterisk Call Manager/11.0.0"
    assert [m.event for m in messages] == ["Newchannel", "Hangup"]
    assert messages[0]["CallerIDName"] == "张伟"
    assert messages[1].get("Cause") == "16"
    assert messages[1].get("cause") is None  # names as Asterisk spells them
    assert messages[1].get_ignoring_case("cause") == "16"  # as Asterisk reads actions


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(NEWCHANNEL) * 2), max_size=30))
def test_any_chunking_gives_the_same_messages(cuts: list[int]) -> None:
    """A TCP read may end anywhere, including inside a multi-byte Chinese character."""
    stream = BANNER + NEWCHANNEL + HANGUP
    points = sorted({cut % len(stream) for cut in cuts})
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    reader = FrameReader()
    messages = feed_all(reader, *chunks)
    assert [m.headers for m in messages] == [m.headers for m in feed_all(FrameReader(), stream)]
    assert messages[0]["CallerIDName"] == "张伟"
    assert reader.stats.decode_errors == 0


def test_bare_newlines_are_accepted() -> None:
    messages = FrameReader().feed(b"Event: Ping\nActionID: 7\n\n")
    assert messages[0].action_id == "7"


def test_garbage_lines_are_counted_and_skipped() -> None:
    reader = FrameReader()
    messages = feed_all(reader, BANNER, b"\x00\x01 garbage without colon\r\n", NEWCHANNEL)
    assert [m.event for m in messages] == ["Newchannel"]
    assert reader.stats.malformed_lines == 1


def test_a_megabyte_line_is_dropped_and_the_stream_goes_on() -> None:
    reader = FrameReader()
    huge = b"Event: Spam\r\nData: " + b"x" * (1024 * 1024) + b"\r\n\r\n"
    messages = feed_all(reader, BANNER, huge[:300_000], huge[300_000:], HANGUP)
    assert reader.stats.oversized_lines == 1
    # The spam message lost its oversized header; the next message is intact.
    assert messages[-1].event == "Hangup"
    assert all(len(value) <= MAX_LINE_BYTES for m in messages for _, value in m.headers)


def test_invalid_utf8_becomes_replacement_characters() -> None:
    reader = FrameReader()
    messages = feed_all(reader, BANNER, b"Event: Newchannel\r\nCallerIDName: \xff\xfe\xd5\r\n\r\n")
    assert messages[0]["CallerIDName"] == "\ufffd\ufffd\ufffd"
    assert reader.stats.decode_errors == 1


def test_repeated_headers_and_channel_variables() -> None:
    message = FrameReader().feed(
        b"Event: Newexten\r\nChanVariable: TICKETTYPE=repair\r\n"
        b"ChanVariable: HOTLINE_CUSTOMER_ID=42\r\nChanVariable(LEGACY): yes\r\n\r\n"
    )[0]
    assert message.get_all("ChanVariable") == ["TICKETTYPE=repair", "HOTLINE_CUSTOMER_ID=42"]
    assert message.channel_variables() == {
        "TICKETTYPE": "repair",
        "HOTLINE_CUSTOMER_ID": "42",
        "LEGACY": "yes",
    }


def test_one_channel_variable_has_the_same_shape_as_many() -> None:
    single = FrameReader().feed(b"Event: X\r\nChanVariable: A=1\r\n\r\n")[0]
    assert single.channel_variables() == {"A": "1"}


def test_encoding_refuses_header_injection() -> None:
    wire = encode([("Action", "Originate"), ("CallerID", "Evil\r\nAction: Logoff")])
    messages = FrameReader().feed(wire)
    assert len(messages) == 1
    assert messages[0].get_all("Action") == ["Originate"]


def test_timestamps_parse_or_are_none() -> None:
    good = AmiMessage.of({"Event": "Hangup", "Timestamp": "1795345001.026670"})
    bad = AmiMessage.of({"Event": "Hangup", "Timestamp": "soon"})
    assert good.timestamp == 1795345001.02667
    assert bad.timestamp is None


def test_a_long_line_in_many_small_reads_counts_once() -> None:
    reader = FrameReader()
    line = b"Event: Spam\r\nData: " + b"y" * (3 * MAX_LINE_BYTES) + b"\r\n\r\n"
    for start in range(0, len(line), 4096):
        reader.feed(line[start : start + 4096])
    messages = reader.feed(HANGUP)
    assert reader.stats.oversized_lines == 1
    assert messages[-1].event == "Hangup"
