"""What the fake Asterisk has up right now, learned from the very events it sends: channels
(for CoreShowChannels), callers waiting in queues and members' state (for QueueStatus)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.telephony.frames import AmiMessage


@dataclass
class LiveChannel:
    created: float
    fields: dict[str, str]


@dataclass
class Member:
    queue: str
    interface: str
    name: str
    paused: bool = False
    reason: str = ""
    in_call: bool = False
    calls_taken: int = 0


@dataclass
class QueueEntry:
    queue: str
    channel: str
    uniqueid: str
    caller: str
    joined: float


# What a channel keeps of its events: exactly what CoreShowChannel reports of it.
CHANNEL_FIELDS = (
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
)


@dataclass
class PbxState:
    members: dict[tuple[str, str], Member] = field(default_factory=dict)
    channels: dict[str, LiveChannel] = field(default_factory=dict)
    entries: dict[str, QueueEntry] = field(default_factory=dict)
    completed: dict[str, int] = field(default_factory=dict)
    abandoned: dict[str, int] = field(default_factory=dict)
    # Asterisk's rolling averages per queue, in whole seconds, as QueueParams reports them.
    holdtime: dict[str, int] = field(default_factory=dict)
    talktime: dict[str, int] = field(default_factory=dict)

    def add_member(self, queue: str, interface: str, name: str) -> None:
        self.members[(queue, interface)] = Member(queue, interface, name)

    def queues(self) -> list[str]:
        return sorted(
            {queue for queue, _ in self.members} | {e.queue for e in self.entries.values()}
        )

    def observe(self, message: AmiMessage, now: float) -> None:
        event = message.event
        uniqueid = message.get("Uniqueid")
        if event == "Newchannel" and uniqueid:
            self.channels[uniqueid] = LiveChannel(
                now, {key: message.get(key) or "" for key in CHANNEL_FIELDS}
            )
        elif event == "Hangup" and uniqueid:
            self.channels.pop(uniqueid, None)
            self.entries.pop(uniqueid, None)
        elif uniqueid in self.channels:
            live = self.channels[uniqueid]
            for key in CHANNEL_FIELDS:
                value = message.get(key)
                if value is not None:
                    live.fields[key] = value
            if event == "Newexten":
                live.fields["Application"] = message.get("Application") or ""
                live.fields["ApplicationData"] = message.get("AppData") or ""
            elif event == "BridgeEnter":
                live.fields["BridgeId"] = message.get("BridgeUniqueid") or ""
            elif event == "BridgeLeave":
                live.fields["BridgeId"] = ""
        self._queues(event, message, now)

    def _queues(self, event: str | None, message: AmiMessage, now: float) -> None:
        queue = message.get("Queue") or ""
        uniqueid = message.get("Uniqueid") or ""
        if event == "QueueCallerJoin":
            self.entries[uniqueid] = QueueEntry(
                queue, message.get("Channel") or "", uniqueid, message.get("CallerIDNum") or "", now
            )
        elif event in ("QueueCallerLeave", "QueueCallerAbandon"):
            self.entries.pop(uniqueid, None)
            if event == "QueueCallerAbandon":
                self.abandoned[queue] = self.abandoned.get(queue, 0) + 1
        elif event in ("AgentConnect", "AgentComplete"):
            member = self.members.get((queue, message.get("Interface") or ""))
            if member is not None:
                member.in_call = event == "AgentConnect"
                if event == "AgentComplete":
                    member.calls_taken += 1
            if event == "AgentConnect":
                _average(self.holdtime, queue, message.get("HoldTime"), self._calls(queue))
            else:
                self.completed[queue] = self.completed.get(queue, 0) + 1
                _average(self.talktime, queue, message.get("TalkTime"), self.completed[queue] - 1)

    def _calls(self, queue: str) -> int:
        return self.completed.get(queue, 0) + self.abandoned.get(queue, 0)

    def members_at(self, interface: str) -> list[Member]:
        return [member for member in self.members.values() if member.interface == interface]

    def forget_calls(self) -> None:
        """A restarted PBX: no channel, nobody waiting, no member on a call."""
        self.channels.clear()
        self.entries.clear()
        for member in self.members.values():
            member.in_call = False

    def free_members(self, queue: str) -> list[Member]:
        return [
            member
            for (name, _), member in self.members.items()
            if name == queue and not member.paused and not member.in_call
        ]


def _average(averages: dict[str, int], queue: str, seconds: str | None, earlier: int) -> None:
    """Asterisk's exponential average (app_queue.c): the first call sets it, each later one
    weighs a quarter, in whole seconds."""
    if seconds is None or not seconds.isdigit():
        return
    new = int(seconds)
    averages[queue] = new if earlier == 0 else (averages.get(queue, 0) * 3 + new) >> 2
