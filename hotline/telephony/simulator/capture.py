"""Recorded AMI streams (`captures/<name>.ami`, copied from the team's shared recordings of a
real Asterisk 22) as the simulator uses them: the event blocks exactly as Asterisk wrote them,
without what belonged to the recorder's own session (its banner, its action responses, the
login's FullyBooted and SuccessfulAuth)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hotline.telephony.frames import AmiMessage, parse_stream

# Events that exist only because the recorder logged in.
_SESSION_EVENTS = frozenset({"FullyBooted", "SuccessfulAuth"})


def captures_dir() -> Path:
    """HOTLINE_AMI_CAPTURES, else the copy shipped with the package (recorded from a real
    Asterisk 22, see captures/README.md): demo mode and a fresh checkout need them."""
    configured = os.environ.get("HOTLINE_AMI_CAPTURES")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent / "captures"


@dataclass(frozen=True)
class RecordedEvent:
    raw: bytes
    message: AmiMessage

    @property
    def timestamp(self) -> float | None:
        return self.message.timestamp


@cache
def load_capture(name: str, directory: Path | None = None) -> tuple[RecordedEvent, ...]:
    path = (directory or captures_dir()) / f"{name}.ami"
    return tuple(split_events(path.read_bytes()))


def split_events(data: bytes) -> list[RecordedEvent]:
    events: list[RecordedEvent] = []
    for block in data.split(b"\r\n\r\n"):
        block = block.strip(b"\r\n")
        if not block:
            continue
        if block.startswith(b"Asterisk Call Manager/"):
            _, _, block = block.partition(b"\r\n")
            if not block:
                continue
        raw = block + b"\r\n\r\n"
        messages = list(parse_stream(raw))
        if len(messages) != 1:
            continue
        message = messages[0]
        if message.event is None or message.event in _SESSION_EVENTS:
            continue
        events.append(RecordedEvent(raw, message))
    return events
