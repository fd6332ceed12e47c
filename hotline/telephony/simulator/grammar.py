"""The grammar of an AMI event stream, as the real captures show it: which headers each event
always carries, and the order the events of one channel and one call come in. The captures
pass these checks; so must everything the simulator generates. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hotline.telephony.frames import AmiMessage

# Events that may name a channel after its Hangup: CDR/CEL records, the hang-up handler's
# bookkeeping, and state changes Asterisk reports as the channel is torn down.
_AFTER_HANGUP = frozenset({"Cdr", "CEL", "DeviceStateChange", "DialEnd", "BridgeLeave"})
# Timestamps come from different threads in Asterisk (and tasks in the simulator).
TIMESTAMP_SLACK = 0.05


@dataclass(frozen=True)
class Vocabulary:
    """Per event name, the headers it always had."""

    required: dict[str, frozenset[str]]

    @classmethod
    def learn(cls, streams: Iterable[Iterable[AmiMessage]]) -> Vocabulary:
        required: dict[str, frozenset[str]] = {}
        for stream in streams:
            for message in stream:
                name = message.event
                if name is None:
                    continue
                keys = frozenset(key for key, _ in message.headers)
                required[name] = required[name] & keys if name in required else keys
        return cls(required)


def check_stream(messages: Iterable[AmiMessage], vocabulary: Vocabulary) -> list[str]:
    """Every way the stream departs from the grammar ([] if none)."""
    problems: list[str] = []
    born: set[str] = set()
    dead: set[str] = set()
    roots: set[str] = set()
    dials: dict[str, int] = {}
    called: set[str] = set()
    joined: set[str] = set()
    last_time: float | None = None
    for index, message in enumerate(messages):
        name = message.event
        if name is None:
            continue
        where = f"#{index} {name}"
        required = vocabulary.required.get(name)
        if required is None:
            problems.append(f"{where}: an event the captures never had")
        else:
            missing = required - {key for key, _ in message.headers}
            if missing:
                problems.append(f"{where}: missing {', '.join(sorted(missing))}")
        stamp = message.timestamp
        if stamp is not None:
            if last_time is not None and stamp < last_time - TIMESTAMP_SLACK:
                problems.append(f"{where}: Timestamp goes back {last_time - stamp:.3f} s")
            last_time = stamp if last_time is None else max(last_time, stamp)
        uniqueid = message.get("Uniqueid")
        linkedid = message.get("Linkedid")
        # An OriginateResponse answers an action; it may name a channel not yet announced.
        skip = name in ("Cdr", "CEL", "OriginateResponse")
        if skip or not uniqueid or not uniqueid[0].isdigit():
            continue
        if name == "Newchannel":
            if uniqueid in born:
                problems.append(f"{where}: channel {uniqueid} created twice")
            born.add(uniqueid)
            if uniqueid == linkedid:
                roots.add(uniqueid)
        elif uniqueid not in born:
            problems.append(f"{where}: channel {uniqueid} before its Newchannel")
        elif uniqueid in dead and name not in _AFTER_HANGUP:
            problems.append(f"{where}: channel {uniqueid} after its Hangup")
        if linkedid and linkedid not in roots:
            problems.append(f"{where}: call {linkedid} has no first channel")
        if name == "Hangup":
            dead.add(uniqueid)
        elif name == "DialBegin":
            target = message.get("DestUniqueid") or ""
            dials[target] = dials.get(target, 0) + 1
        elif name == "DialEnd":
            target = message.get("DestUniqueid") or ""
            if target not in dials:
                problems.append(f"{where}: DialEnd without DialBegin for {target}")
        elif name == "AgentCalled":
            called.add(uniqueid)
        elif name == "QueueCallerJoin":
            joined.add(uniqueid)
        elif name == "AgentConnect" and (uniqueid not in called or uniqueid not in joined):
            problems.append(f"{where}: AgentConnect before AgentCalled/QueueCallerJoin")
    return problems
