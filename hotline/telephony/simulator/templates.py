"""Calls cut out of the real captures and played again under new names.

A generated call is a recorded call with its identifiers (Uniqueid, Linkedid, channel names,
caller number, agent) and its times re-stamped: the event names, fields and order stay those
Asterisk wrote. CEL and Cdr events are left out (a stock Asterisk does not send them)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

from hotline.telephony.frames import AmiMessage
from hotline.telephony.simulator.capture import RecordedEvent, load_capture

_LEFT_OUT = frozenset({"CEL", "Cdr"})
_CHANNEL = re.compile(r"^(?P<base>[A-Za-z]+/[^;]*?-)(?P<seq>[0-9a-f]{8})(?P<half>;[12])?$")
_ID_HEADERS = ("Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid")
_CHANNEL_HEADERS = ("Channel", "DestChannel")


@dataclass(frozen=True)
class CallTemplate:
    name: str
    events: tuple[AmiMessage, ...]
    caller: str
    # The queue member that answers, as recorded (None: nobody answers).
    agent_interface: str | None
    agent_name: str | None
    ticket_type: str | None
    originated: bool

    @property
    def duration(self) -> float:
        times = [m.timestamp for m in self.events if m.timestamp is not None]
        return max(times) - min(times) if times else 0.0


# name: (capture, linkedid or None for the capture's only call, originated)
_SOURCES = {
    "answered": ("answered", None, False),
    "agent_hangup": ("complaint-agent-hangup", None, False),
    "abandoned_ringing": ("abandoned", None, False),
    "ivr_only": ("ivr-only", None, False),
    "abandoned_queued": ("burst", "1795345056.32", False),
    "emergency": ("burst", "1795345056.28", False),
    "callback_answered": ("callback-answered", None, True),
    "callback_noanswer": ("callback-noanswer", None, True),
}


@cache
def template(name: str) -> CallTemplate:
    capture, linkedid, originated = _SOURCES[name]
    recorded = load_capture(capture)
    if linkedid is None:
        linkedid = next(e.message["Linkedid"] for e in recorded if e.message.event == "Newchannel")
    events = tuple(event.message for event in recorded if _belongs(event, linkedid, originated))
    return CallTemplate(
        name=name,
        events=events,
        caller=_first(events, "QueueCallerJoin", "CallerIDNum")
        or _first(events, "Newchannel", "Exten", context="callback-out")
        or _first(events, "NewCallerid", "CallerIDNum")
        or "",
        agent_interface=_first(events, "AgentConnect", "Interface"),
        agent_name=_first(events, "AgentConnect", "MemberName"),
        ticket_type=_ticket_type(events),
        originated=originated,
    )


def template_names() -> list[str]:
    return list(_SOURCES)


def _belongs(event: RecordedEvent, linkedid: str, originated: bool) -> bool:
    message = event.message
    if message.event in _LEFT_OUT:
        return False
    if message.event == "OriginateResponse":
        # Inbound calls of the recording were originated by the recorder; real ones are not.
        return originated
    return linkedid in (message.get("Linkedid"), message.get("DestLinkedid"))


def _first(
    events: tuple[AmiMessage, ...], event: str, header: str, context: str | None = None
) -> str | None:
    for message in events:
        if message.event != event:
            continue
        if context is not None and message.get("Context") != context:
            continue
        value = message.get(header)
        if value and value != "<unknown>":
            return value
    return None


def _ticket_type(events: tuple[AmiMessage, ...]) -> str | None:
    for message in events:
        # The dialplan sets __TICKETTYPE: the underscores make channels it creates inherit it.
        variable = (message.get("Variable") or "").lstrip("_")
        if message.event == "VarSet" and variable == "TICKETTYPE":
            value = message.get("Value")
            if value and value != "none":
                return value
    return None


@dataclass
class Identities:
    """Fresh Uniqueids and channel numbers, as one Asterisk would hand them out."""

    epoch: int
    _unique: itertools.count[int]
    _channel: itertools.count[int]

    @classmethod
    def starting(cls, epoch: int) -> Identities:
        return cls(epoch, itertools.count(1000), itertools.count(0x1000))

    def uniqueid(self) -> str:
        return f"{self.epoch}.{next(self._unique)}"

    def channel_sequence(self) -> str:
        return f"{next(self._channel):08x}"


def restamp(
    call: CallTemplate,
    *,
    identities: Identities,
    start: float,
    stretch: float = 1.0,
    caller: str | None = None,
    agent_interface: str | None = None,
    agent_name: str | None = None,
    ticket_type: str | None = None,
    action_id: str | None = None,
) -> list[tuple[float, AmiMessage]]:
    """The template's events under new names, each with the moment it is due."""
    replacements = _replacements(call, identities, caller, agent_interface, agent_name, ticket_type)
    times = [m.timestamp for m in call.events if m.timestamp is not None]
    origin = min(times) if times else 0.0
    out: list[tuple[float, AmiMessage]] = []
    moment = start
    for message in call.events:
        if message.timestamp is not None:
            moment = start + (message.timestamp - origin) * stretch
        headers = []
        for key, value in message.headers:
            if key == "Timestamp":
                value = f"{moment:.6f}"
            elif key == "ActionID" and action_id is not None:
                value = action_id
            else:
                value = _replace(value, replacements)
            headers.append((key, value))
        out.append((moment, AmiMessage(tuple(headers))))
    return out


def _replacements(
    call: CallTemplate,
    identities: Identities,
    caller: str | None,
    agent_interface: str | None,
    agent_name: str | None,
    ticket_type: str | None,
) -> list[tuple[str, str]]:
    pairs: dict[str, str] = {}
    for message in call.events:
        for header in _ID_HEADERS:
            value = message.get(header)
            if value and value[0].isdigit() and value not in pairs:
                pairs[value] = identities.uniqueid()
        for header in _CHANNEL_HEADERS:
            match = _CHANNEL.match(message.get(header) or "")
            if match and match["seq"] not in pairs:
                pairs[match["base"] + match["seq"]] = match["base"] + identities.channel_sequence()
    if caller and call.caller:
        pairs[call.caller] = caller
    if agent_interface and call.agent_interface:
        pairs[call.agent_interface] = agent_interface
        # Local/agent1@agents/n rings channels named Local/agent1@agents-0000xxxx;1.
        base = call.agent_interface.removesuffix("/n")
        pairs[base + "-"] = agent_interface + "-"
    if agent_name and call.agent_name:
        pairs[call.agent_name] = agent_name
    if ticket_type and call.ticket_type:
        pairs[call.ticket_type] = ticket_type
    # Longest first, so that a Linkedid is not half-replaced as the prefix of another.
    return sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True)


def _replace(value: str, replacements: list[tuple[str, str]]) -> str:
    if not value:
        return value
    for old, new in replacements:
        if old in value:
            value = value.replace(old, new)
    return value
