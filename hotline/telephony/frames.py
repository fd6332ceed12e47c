"""The AMI wire format, both ways, with no I/O.

AMI is line based: `Key: Value` lines ending in CRLF, a blank line ends a message, and the very
first line of a connection is the banner (`Asterisk Call Manager/11.0.0`). The reader is fed raw
bytes as they arrive from the socket, in chunks of any size, and hands back whole messages. It
never raises on bad input: garbage, over-long lines and undecodable bytes are counted and
skipped so one bad frame cannot take the connection (and every other call on it) down.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter, methodcaller

# Asterisk's own limit for one header line is far below this; anything longer is not AMI.
MAX_LINE_BYTES = 64 * 1024
MAX_HEADERS = 512
BANNER_PREFIX = "Asterisk Call Manager/"
_SPLIT_HEADER = methodcaller("partition", ": ")
_NAME, _SEPARATOR, _VALUE = itemgetter(0), itemgetter(1), itemgetter(2)


@dataclass(frozen=True)
class AmiMessage:
    """One AMI message: an event, a response or an action, headers in wire order.

    A header may repeat (`ChanVariable`, `Variable`); `get` gives the first value, `get_all`
    every value.
    """

    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, items: Mapping[str, str] | Iterable[tuple[str, str]]) -> AmiMessage:
        pairs = items.items() if isinstance(items, Mapping) else items
        return cls(tuple((str(key), str(value)) for key, value in pairs))

    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of a header. Names are matched exactly, as Asterisk spells them
        (its header names are fixed in its source: `Linkedid`, `ActionID`, …). A plain scan:
        messages are short, and indexing each one costs more than the lookups it saves."""
        for name, value in self.headers:
            if name == key:
                return value
        return default

    def get_ignoring_case(self, key: str, default: str | None = None) -> str | None:
        """For what clients send: Asterisk reads action headers case-insensitively."""
        lowered = key.lower()
        for name, value in self.headers:
            if name.lower() == lowered:
                return value
        return default

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def get_all(self, key: str) -> list[str]:
        lowered = key.lower()
        return [value for name, value in self.headers if name.lower() == lowered]

    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def response(self) -> str | None:
        return self.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")

    @property
    def timestamp(self) -> float | None:
        """`Timestamp: <epoch.usec>` when Asterisk has `timestampevents=yes`."""
        raw = self.get("Timestamp")
        if raw is None:
            return None
        try:
            return float(raw)
        except ValueError:
            return None

    def channel_variables(self) -> dict[str, str]:
        """`ChanVariable: NAME=value` headers (and `ChanVariable(NAME): value` of older
        Asterisk) as a dict; one header or many, the result has the same shape."""
        variables: dict[str, str] = {}
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == "chanvariable":
                key, sep, var_value = value.partition("=")
                if sep:
                    variables[key] = var_value
            elif lowered.startswith("chanvariable(") and lowered.endswith(")"):
                variables[name[len("chanvariable(") : -1]] = value
        return variables

    def to_bytes(self) -> bytes:
        return encode(self.headers)


def encode(headers: Iterable[tuple[str, str]]) -> bytes:
    """Serialise headers as one AMI message. CR and LF inside a value would start a new header
    (header injection), so they are replaced by spaces."""
    lines = []
    for key, value in headers:
        clean = str(value).replace("\r", " ").replace("\n", " ")
        lines.append(f"{key}: {clean}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")


@dataclass
class FrameStats:
    """What the reader had to throw away; exposed on health and in logs."""

    messages: int = 0
    malformed_lines: int = 0
    oversized_lines: int = 0
    oversized_messages: int = 0
    decode_errors: int = 0


@dataclass
class FrameReader:
    """Incremental AMI parser: `feed(chunk)` returns the messages completed by that chunk.

    Only whole lines are decoded, so a Chinese name split across two TCP reads arrives whole;
    invalid bytes become U+FFFD instead of vanishing or aborting. Well-formed messages take a
    fast path of C-level splits (this parser sits on the path of every event); anything odd
    in a message sends just that message through the careful line-by-line path.
    """

    max_line_bytes: int = MAX_LINE_BYTES
    stats: FrameStats = field(default_factory=FrameStats)
    banner: str | None = None
    _pending: bytes = b""
    # Whole lines of a message whose blank line has not arrived yet.
    _partial: str = ""
    _discarding: bool = False
    _headers: list[tuple[str, str]] = field(default_factory=list)
    _message_broken: bool = False
    _saw_first_line: bool = False

    def feed(self, chunk: bytes) -> list[AmiMessage]:
        data = self._pending + chunk if self._pending else chunk
        end = data.rfind(b"\n")
        if end < 0:
            if not self._discarding:
                self._pending = data
                if len(data) > self.max_line_bytes:
                    self._oversized()
                    self._pending = b""
                    self._discarding = True
            return []
        complete, self._pending = data[: end + 1], data[end + 1 :]
        if self._discarding:
            # The rest of an over-long line, up to its end.
            complete = complete[complete.find(b"\n") + 1 :]
            self._discarding = False
        try:
            text = complete.decode("utf-8")
        except UnicodeDecodeError:
            text = "\n".join(self._decode(raw) for raw in complete.split(b"\n"))
        blocks = (self._partial + text.replace("\r\n", "\n")).split("\n\n")
        # After the last blank line: the start of a message still arriving.
        self._partial = blocks.pop()
        if len(self._partial) > MAX_HEADERS * self.max_line_bytes:
            self._partial = ""
            self.stats.oversized_messages += 1
        messages: list[AmiMessage] = []
        for block in blocks:
            if not block:
                continue
            lines = block.split("\n")
            if len(block) <= self.max_line_bytes and len(lines) <= MAX_HEADERS:
                # map/itemgetter keep the per-line work in C.
                pairs = list(map(_SPLIT_HEADER, lines))
                if all(map(_SEPARATOR, pairs)) and all(map(_NAME, pairs)):
                    self._saw_first_line = True
                    self.stats.messages += 1
                    names, values = map(_NAME, pairs), map(_VALUE, pairs)
                    messages.append(AmiMessage(tuple(zip(names, values, strict=True))))
                    continue
            messages.extend(self._careful(lines))
        return messages

    def _careful(self, lines: list[str]) -> list[AmiMessage]:
        """One message's lines, each checked: banner, junk, over-long lines, a colon without
        a space after it."""
        headers: list[tuple[str, str]] = []
        broken = False
        for line in lines:
            line = line.rstrip("\r")
            if not line:
                continue
            if len(line) > self.max_line_bytes // 4 and len(line.encode()) > self.max_line_bytes:
                self._oversized()
                continue
            key, sep, value = line.partition(": ")
            if not sep:
                key, sep, value = line.partition(":")
            if not sep or not key or " " in key:
                if not self._saw_first_line and line.startswith(BANNER_PREFIX):
                    self.banner = line
                else:
                    self.stats.malformed_lines += 1
                self._saw_first_line = True
                continue
            self._saw_first_line = True
            if len(headers) >= MAX_HEADERS:
                broken = True
                continue
            headers.append((key, value))
        if broken:
            self.stats.oversized_messages += 1
            return []
        if not headers:
            return []
        self.stats.messages += 1
        return [AmiMessage(tuple(headers))]

    def _oversized(self) -> None:
        self.stats.oversized_lines += 1

    def _decode(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.stats.decode_errors += 1
            return raw.decode("utf-8", errors="replace")


def parse_stream(data: bytes) -> Iterator[AmiMessage]:
    """Every message of a complete byte stream, such as a recorded capture."""
    reader = FrameReader()
    yield from reader.feed(data)
    yield from reader.feed(b"\r\n\r\n")
