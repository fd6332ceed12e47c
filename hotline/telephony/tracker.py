"""Folds AMI events into one record per call, keyed by `Linkedid`. Pure: no I/O, no clock.

Time comes from each event's `Timestamp` header (`timestampevents=yes`), or from the `now` the
caller passes when an event has none or an unreadable one.

What a call is made of:

* Channels, by `Uniqueid`, from any event that names one (`Newchannel` or, for a call first seen
  mid-way, whatever comes first). A call ends at the `Hangup` that leaves it no live channel.
* Direction: the first configured context any of its channels runs (`inbound_contexts`,
  `outbound_contexts`), or outbound when it is the call of an Originate we announced with
  `expect_originate`. Not the mere presence of an `OriginateResponse`: a test PBX originates
  inbound calls too. A call becomes visible (first update `started`) once its direction is
  known; calls that never touch a configured context are other PBX traffic and never reported.
* Caller: inbound, the `CallerIDNum` of the first channel that ran an inbound context; outbound,
  the extension dialled in the outbound context (our Originate's number until then).
  Dialled: inbound, that channel's extension in the inbound context; outbound, the number.
* Answer: inbound, `AgentConnect` or a channel in an inbound context entering a bridge;
  outbound, a channel in an outbound context whose Dial reports ANSWER (`DIALSTATUS` set,
  `DialEnd`) or which enters a bridge. The earliest of these counts. The Originate's own dial
  to its first leg (a `DialEnd` naming no Channel) rings our agent, not the customer.
* Agent: the queue member of the latest `AgentConnect`. Each new agent is an `agent_connected`
  update: the screen pop.
* Outcome of an unanswered outbound call: the customer Dial's status (NOANSWER, BUSY, ...),
  else a failed `OriginateResponse`'s Reason, else no answer.
* Wait (queued calls only): `QueueCallerJoin` to the answer, else to `QueueCallerAbandon` /
  `QueueCallerLeave`, else to the end. Talk: answer to end.

Folding is idempotent and tolerates re-delivered events: times, and where a call went first
(direction, extension dialled, queue), keep the earliest value by event time; what may change
during a call (IVR choice, caller number, agent) keeps the latest; so an old event delivered
again changes nothing. `DialEnd` and `AgentComplete` are only hints (Asterisk repeats them or
leaves them out): `DialEnd` is one of several answer signals, `AgentComplete` is not used, and
no duration comes from their counters. An ended call is
dropped from memory once reported; a bounded list of recently ended calls keeps a late
duplicate from bringing it back.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from string import hexdigits
from typing import Generic, Literal, TypeVar

from hotline.telephony.frames import AmiMessage
from hotline.telephony.model import CallRecord, Direction, Disposition

UpdateKind = Literal["started", "updated", "agent_connected", "ended"]

# What Asterisk puts in CallerIDNum or Uniqueid when it has nothing.
_NOTHING = frozenset({"", "<unknown>", "unknown"})

# DialStatus of the dial to the customer, for an outbound call that was not answered.
_DIAL_STATUS = {
    "NOANSWER": Disposition.NO_ANSWER,
    "CANCEL": Disposition.NO_ANSWER,
    "BUSY": Disposition.BUSY,
}
# OriginateResponse Reason (Asterisk's control frame codes) when the Originate failed:
# 1 hung up before answering, 3 rang without an answer, 5 busy, 8 congestion, 0 no channel.
_ORIGINATE_REASON = {
    "1": Disposition.NO_ANSWER,
    "3": Disposition.NO_ANSWER,
    "5": Disposition.BUSY,
}

_DURATION = re.compile(r"(\d{1,6}):(\d{2}):(\d{2})")
# A customer id is a database bigint.
_MAX_ID_DIGITS = 18

# The stand-in channel of a call adopted from another tracker, holding its caller's number.
_ADOPTED_LEG = "adopted"

# Events that tell no more than which channel of which call is where.
_CHANNEL_EVENTS = frozenset({"Newchannel", "Newexten", "NewCallerid", "Newstate", "DialBegin"})


@dataclass(frozen=True)
class TrackerConfig:
    server: str = "default"
    inbound_contexts: frozenset[str] = frozenset({"hotline-in"})
    outbound_contexts: frozenset[str] = frozenset({"callback-out"})
    # Set by our IVR to the ticket type the caller chose.
    choice_variable: str = "TICKETTYPE"
    # What the IVR sets the choice variable to before the caller has chosen.
    no_choice_values: frozenset[str] = frozenset({"none"})
    customer_variable: str = "HOTLINE_CUSTOMER_ID"
    # Our Originate sets it to its ActionID, tying the call to the action from its first event.
    originate_variable: str = "HOTLINE_ORIGINATE"
    recently_ended_limit: int = 1024
    pending_originate_limit: int = 1024


@dataclass(frozen=True)
class CallUpdate:
    """A call changed. A call's updates start with `started` and end with `ended`, except that
    an `OriginateResponse` arriving after the end may still amend it (`updated`)."""

    kind: UpdateKind
    record: CallRecord


T = TypeVar("T")


@dataclass(slots=True)
class _Pick(Generic[T]):
    """A value with the event time it was seen at; `earliest`/`latest` keep the first or the
    last by event time, so the same event applied again is a no-op."""

    value: T | None = None
    at: datetime | None = None

    def earliest(self, value: T, at: datetime) -> None:
        if self.at is None or at < self.at:
            self.value, self.at = value, at

    def latest(self, value: T, at: datetime) -> None:
        if self.at is None or at > self.at:
            self.value, self.at = value, at


def _earliest(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at < current else current


@dataclass(slots=True)
class _Channel:
    name: str
    live: bool = True
    caller: _Pick[str] = field(default_factory=_Pick)


@dataclass(slots=True)
class _Call:
    linkedid: str
    # Calls in the order the tracker first heard of them.
    serial: int
    started_at: datetime
    last_event_at: datetime
    channels: dict[str, _Channel] = field(default_factory=dict)
    direction: _Pick[Direction] = field(default_factory=_Pick)
    inbound_leg: _Pick[str] = field(default_factory=_Pick)
    inbound_exten: _Pick[str] = field(default_factory=_Pick)
    outbound_exten: _Pick[str] = field(default_factory=_Pick)
    ivr_choice: _Pick[str] = field(default_factory=_Pick)
    customer_id: _Pick[int] = field(default_factory=_Pick)
    queue: _Pick[str] = field(default_factory=_Pick)
    queued_at: datetime | None = None
    queue_left_at: datetime | None = None
    agent: _Pick[tuple[str | None, str | None]] = field(default_factory=_Pick)
    answered_at: datetime | None = None
    dial_status: _Pick[str] = field(default_factory=_Pick)
    originate_action_id: str | None = None
    originate_caller: str | None = None
    originate_failure: str | None = None
    ended_at: datetime | None = None
    incomplete: bool = False
    record: CallRecord | None = None

    @property
    def visible(self) -> bool:
        return self.direction.value is not None or self.originate_action_id is not None

    def has_live_channel(self) -> bool:
        return any(channel.live for channel in self.channels.values())


@dataclass(slots=True)
class _Expected:
    caller: str
    at: datetime
    # The serial the next call will get: the Originate's call cannot be older.
    first_serial: int
    linkedid: str | None = None


Handler = Callable[[_Call, AmiMessage, datetime], None]


class CallTracker:
    """The calls of one Asterisk server. `apply` every event, in the order received; after each
    (re)connect, `reconcile` with the channels Asterisk reports alive."""

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self._calls: dict[str, _Call] = {}
        self._serial = 0
        self._ended: OrderedDict[str, _Call] = OrderedDict()
        self._expected: OrderedDict[str, _Expected] = OrderedDict()
        # Uniqueid -> ActionID: an OriginateResponse that came before its channel's first event.
        self._awaited_channels: OrderedDict[str, str] = OrderedDict()
        # While `reconcile` folds in what was heard before its list: the calls the list has,
        # and the last hangup heard of each of the others.
        self._catching_up: set[str] | None = None
        self._hangups_heard: dict[str, datetime] = {}
        self._handlers: dict[str, Handler] = {
            "VarSet": self._on_varset,
            "Hangup": self._on_hangup,
            "QueueCallerJoin": self._on_queue_join,
            "QueueCallerAbandon": self._on_queue_leave,
            "QueueCallerLeave": self._on_queue_leave,
            "AgentConnect": self._on_agent_connect,
            "DialEnd": self._on_dial_end,
            "BridgeEnter": self._on_bridge_enter,
        }

    # -- public -------------------------------------------------------------------------------

    def apply(self, message: AmiMessage, now: datetime) -> list[CallUpdate]:
        """Fold one AMI message in; the calls it changed, as snapshots ([] if none)."""
        name = message.event
        if name == "OriginateResponse":
            return self._on_originate_response(message, _event_time(message, now))
        if name is None:
            return []
        handler = self._handlers.get(name)
        if handler is None and name not in _CHANNEL_EVENTS:
            return []
        linkedid, uniqueid = message.get("Linkedid"), message.get("Uniqueid")
        if not linkedid or not uniqueid or linkedid in self._ended:
            return []
        at = _event_time(message, now)
        call = self._calls.get(linkedid) or self._new_call(linkedid, at)
        self._touch(call, message, uniqueid, at)
        if handler is not None:
            handler(call, message, at)
        return self._publish(call)

    def expect_originate(self, action_id: str, *, caller: str, now: datetime) -> None:
        """We are sending an Originate with this ActionID to call `caller`: the call it creates
        is outbound and carries the ActionID. If it fails before any channel of it is seen, the
        `OriginateResponse` alone makes a call record (linkedid `originate:<ActionID>`)."""
        self._expected[action_id] = _Expected(caller, _aware(now), first_serial=self._serial)
        _trim(self._expected, self.config.pending_originate_limit)

    def in_progress(self) -> list[CallRecord]:
        """The calls going on, as last reported."""
        return [call.record for call in self._calls.values() if call.record is not None]

    def reconcile(
        self,
        live_channels: list[AmiMessage],
        now: datetime,
        heard: Iterable[tuple[AmiMessage, datetime]] = (),
    ) -> list[CallUpdate]:
        """Align with the `CoreShowChannel` events Asterisk lists after a (re)connect.

        A live call we do not know started while we were away: it is rebuilt in progress,
        started `Duration` before `now` by its oldest channel. Then the events `heard` before
        the list while we were not tracking (a worker taking over from another) are folded
        in, each with the time it was received: a call that ended meanwhile ends as it did.
        A call we track with no live channel left and no end heard ended while we were not
        listening: it is closed as incomplete, ended at the last event we saw of it (the only
        time we know it was still up; talk and wait are lower bounds). Recently ended calls
        are not rebuilt."""
        now = _aware(now)
        live: dict[str, list[AmiMessage]] = {}
        for channel in live_channels:
            linkedid, uniqueid = channel.get("Linkedid"), channel.get("Uniqueid")
            if linkedid and uniqueid:
                live.setdefault(linkedid, []).append(channel)
        listed_calls = set(live)
        updates: list[CallUpdate] = []
        for call in list(self._calls.values()):
            channels = live.pop(call.linkedid, None)
            if channels is None:
                continue
            listed = {channel["Uniqueid"] for channel in channels}
            for uniqueid, known in call.channels.items():
                known.live = known.live and uniqueid in listed
            self._rebuild(call, channels, now)
            updates += self._publish(call)
        for linkedid, channels in live.items():
            if linkedid in self._ended:
                continue
            call = self._new_call(linkedid, now)
            self._rebuild(call, channels, now)
            updates += self._publish(call)
        self._catching_up = listed_calls
        try:
            for message, received in heard:
                updates += self.apply(message, received)
        finally:
            self._catching_up = None
        for call in list(self._calls.values()):
            if call.linkedid not in listed_calls:
                hung_up = self._hangups_heard.pop(call.linkedid, None)
                if hung_up is not None:
                    call.ended_at = hung_up
                else:
                    call.ended_at = call.last_event_at
                    call.incomplete = True
                updates += self._publish(call)
        self._hangups_heard.clear()
        return updates

    def adopt(self, record: CallRecord, last_seen: datetime) -> None:
        """Take on a call that another tracker followed (its row in the call log, when this
        worker takes the telephony lease over): what it knew is kept, so that what follows
        never replaces a fact with a poorer one. `last_seen` is when it last wrote the call.
        A call in progress learns its channels from what comes next (`reconcile`); an ended
        one is remembered as recently ended, so that its events heard again change nothing."""
        if record.linkedid in self._calls or record.linkedid in self._ended:
            return
        started = _aware(record.started_at)
        call = self._new_call(record.linkedid, started)
        call.last_event_at = max(started, _aware(last_seen))
        call.direction.earliest(record.direction, started)
        if record.direction is Direction.INBOUND:
            # The caller's number as the other tracker read it, held by a channel never live.
            leg = call.channels[_ADOPTED_LEG] = _Channel("", live=False)
            if record.caller:
                leg.caller.earliest(record.caller, started)
            call.inbound_leg.earliest(_ADOPTED_LEG, started)
            if record.dialled:
                call.inbound_exten.earliest(record.dialled, started)
        elif record.dialled:
            call.outbound_exten.earliest(record.dialled, started)
        if record.ivr_choice:
            call.ivr_choice.latest(record.ivr_choice, started)
        if record.customer_id is not None:
            call.customer_id.latest(record.customer_id, started)
        if record.queue:
            call.queue.earliest(record.queue, started)
        if record.answered_at is not None:
            call.answered_at = _aware(record.answered_at)
            if record.wait_seconds is not None:
                # The wait ended at the answer. (A wait that ended when the caller left the queue
                # is not kept: when it left is not known, and a guess would be a wrong fact.)
                call.queued_at = call.answered_at - timedelta(seconds=record.wait_seconds)
        if record.agent_name or record.agent_interface:
            call.agent.latest(
                (record.agent_name, record.agent_interface), call.answered_at or started
            )
        if record.originate_action_id is not None:
            call.originate_action_id = record.originate_action_id
            call.originate_caller = record.caller
        call.record = record
        if record.ended_at is not None:
            call.ended_at = _aware(record.ended_at)
            call.incomplete = record.disposition is Disposition.INCOMPLETE
            del self._calls[record.linkedid]
            self._ended[record.linkedid] = call
            _trim(self._ended, self.config.recently_ended_limit)

    # -- folding ------------------------------------------------------------------------------

    def _new_call(self, linkedid: str, at: datetime) -> _Call:
        call = self._calls[linkedid] = _Call(linkedid, self._serial, at, at)
        self._serial += 1
        return call

    def _touch(self, call: _Call, message: AmiMessage, uniqueid: str, at: datetime) -> None:
        """What every channel event says: the call's time span, the channel, its caller number
        and the context it runs."""
        call.started_at = min(call.started_at, at)
        call.last_event_at = max(call.last_event_at, at)
        channel = self._channel(call, uniqueid, message.get("Channel"))
        number = message.get("CallerIDNum")
        if number is not None and number not in _NOTHING:
            channel.caller.latest(number, at)
        self._in_context(call, uniqueid, message.get("Context"), message.get("Exten"), at)

    def _channel(self, call: _Call, uniqueid: str, name: str | None) -> _Channel:
        channel = call.channels.get(uniqueid)
        if channel is None:
            channel = call.channels[uniqueid] = _Channel(name or "")
            action_id = self._awaited_channels.pop(uniqueid, None)
            expected = self._expected.pop(action_id, None) if action_id is not None else None
            if action_id is not None and expected is not None:
                _link(call, action_id, expected)
        elif name and not channel.name:
            channel.name = name
        return channel

    def _in_context(
        self, call: _Call, uniqueid: str, context: str | None, exten: str | None, at: datetime
    ) -> None:
        if context in self.config.inbound_contexts:
            call.direction.earliest(Direction.INBOUND, at)
            call.inbound_leg.earliest(uniqueid, at)
            if exten:
                call.inbound_exten.earliest(exten, at)
        elif context in self.config.outbound_contexts:
            call.direction.earliest(Direction.OUTBOUND, at)
            if exten:
                call.outbound_exten.earliest(exten, at)

    def _on_varset(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        # `_X` and `__X` only mark X as inherited by the channels this one creates.
        variable = (message.get("Variable") or "").lstrip("_")
        value = message.get("Value") or ""
        config = self.config
        if variable == config.choice_variable:
            if value and value not in config.no_choice_values:
                call.ivr_choice.latest(value, at)
        elif variable == config.customer_variable:
            if value.isascii() and value.isdigit() and len(value) <= _MAX_ID_DIGITS:
                call.customer_id.latest(int(value), at)
        elif variable == config.originate_variable:
            self._claim(call, value)
        elif variable == "DIALSTATUS" and value and self._outbound_channel(message):
            self._dial_ended(call, value, at)

    def _on_hangup(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        call.channels[message["Uniqueid"]].live = False
        if self._catching_up is not None and call.linkedid not in self._catching_up:
            # Heard before a list that does not have it: it ended before the list, at its last
            # hangup heard (what channels it had before we heard it is not known).
            last = self._hangups_heard.get(call.linkedid)
            self._hangups_heard[call.linkedid] = at if last is None or at > last else last
            return
        if not call.has_live_channel():
            call.ended_at = at

    def _on_queue_join(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        self._queue(call, message, at)
        call.queued_at = _earliest(call.queued_at, at)

    def _on_queue_leave(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        self._queue(call, message, at)
        call.queue_left_at = _earliest(call.queue_left_at, at)

    def _on_agent_connect(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        self._queue(call, message, at)
        name, interface = message.get("MemberName"), message.get("Interface")
        if name or interface:
            call.agent.latest((name or None, interface or None), at)
        call.answered_at = _earliest(call.answered_at, at)

    def _on_dial_end(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        status = message.get("DialStatus")
        if status and self._outbound_channel(message):
            self._dial_ended(call, status, at)

    def _on_bridge_enter(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        context = message.get("Context")
        if context in self.config.inbound_contexts or context in self.config.outbound_contexts:
            call.answered_at = _earliest(call.answered_at, at)

    def _queue(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        queue = message.get("Queue")
        if queue:
            call.queue.earliest(queue, at)

    def _outbound_channel(self, message: AmiMessage) -> bool:
        """The event comes from a channel running an outbound context: its Dial is the one
        that rings the customer (the Originate's own dial to the first leg names no Channel)."""
        return "Channel" in message and message.get("Context") in self.config.outbound_contexts

    def _dial_ended(self, call: _Call, status: str, at: datetime) -> None:
        if status == "ANSWER":
            call.answered_at = _earliest(call.answered_at, at)
        else:
            call.dial_status.latest(status, at)

    def _rebuild(self, call: _Call, channels: list[AmiMessage], now: datetime) -> None:
        """What `CoreShowChannel` says of a live call: its channels, how long they have been
        up (whole seconds), the context each runs now, a queue it waits in, a bridge."""
        call.last_event_at = max(call.last_event_at, now)
        configured = self.config.inbound_contexts | self.config.outbound_contexts
        for listed in channels:
            uniqueid = listed["Uniqueid"]
            since = now - timedelta(seconds=_duration(listed))
            call.started_at = min(call.started_at, since)
            channel = self._channel(call, uniqueid, listed.get("Channel"))
            number = listed.get("CallerIDNum")
            if number is not None and number not in _NOTHING:
                channel.caller.latest(number, since)
            context = listed.get("Context")
            self._in_context(call, uniqueid, context, listed.get("Exten"), since)
            if context not in configured:
                continue
            if listed.get("Application") == "Queue":
                queue = (listed.get("ApplicationData") or "").split(",")[0]
                if queue:
                    call.queue.earliest(queue, since)
            if listed.get("BridgeId"):
                # Talking already; when it was answered is lost, now is the latest it can be.
                call.answered_at = _earliest(call.answered_at, now)

    # -- originate ----------------------------------------------------------------------------

    def _claim(self, call: _Call, action_id: str) -> None:
        """The call carries our ActionID in a channel variable; its OriginateResponse is still
        to come, so the expectation stays."""
        expected = self._expected.get(action_id)
        if expected is not None and expected.linkedid is None:
            _link(call, action_id, expected)

    def _on_originate_response(self, message: AmiMessage, at: datetime) -> list[CallUpdate]:
        action_id = message.action_id
        expected = self._expected.get(action_id) if action_id else None
        if action_id is None or expected is None:
            return []
        uniqueid = message.get("Uniqueid") or ""
        failed = message.get("Response") != "Success"
        call = self._originated_call(expected, uniqueid, message.get("Channel") or "")
        if call is None and not failed and uniqueid not in _NOTHING:
            # Its channel's first event is still on its way.
            self._awaited_channels[uniqueid] = action_id
            _trim(self._awaited_channels, self.config.pending_originate_limit)
            return []
        del self._expected[action_id]
        if call is None:
            # The Originate failed before Asterisk reported any channel of it.
            call = self._new_call(f"originate:{action_id}", at)
            call.started_at = min(expected.at, at)
            call.ended_at = at
        _link(call, action_id, expected)
        if failed:
            call.originate_failure = message.get("Reason") or "0"
        return self._publish(call)

    def _originated_call(self, expected: _Expected, uniqueid: str, channel: str) -> _Call | None:
        """The call an OriginateResponse is about: the one that carried our ActionID, else the
        one with its Uniqueid, else (a failed Originate says `Uniqueid: <unknown>`) the newest
        call begun since the Originate, not known to be inbound, not someone else's, with a
        channel made from the Originate's channel."""
        if expected.linkedid is not None:
            return self._calls.get(expected.linkedid) or self._ended.get(expected.linkedid)
        if uniqueid not in _NOTHING:
            for call in self._newest_first():
                if uniqueid in call.channels:
                    return call
        wanted = _channel_base(channel)
        for call in self._newest_first():
            if (
                call.serial < expected.first_serial
                or call.originate_action_id is not None
                or call.direction.value is Direction.INBOUND
            ):
                continue
            if any(_channel_base(known.name) == wanted for known in call.channels.values()):
                return call
        return None

    def _newest_first(self) -> Iterator[_Call]:
        yield from reversed(self._calls.values())
        yield from reversed(self._ended.values())

    # -- snapshots ----------------------------------------------------------------------------

    def _publish(self, call: _Call) -> list[CallUpdate]:
        if call.ended_at is not None and self._calls.get(call.linkedid) is call:
            del self._calls[call.linkedid]
            self._ended[call.linkedid] = call
            _trim(self._ended, self.config.recently_ended_limit)
        if not call.visible:
            return []
        record = self._record(call)
        previous, call.record = call.record, record
        if record == previous:
            return []
        updates: list[CallUpdate] = []
        if previous is None:
            updates.append(CallUpdate("started", record))
        agent = (record.agent_name, record.agent_interface)
        earlier_agent = (
            (None, None) if previous is None else (previous.agent_name, previous.agent_interface)
        )
        if any(agent) and agent != earlier_agent:
            updates.append(CallUpdate("agent_connected", record))
        if record.ended_at is not None and (previous is None or previous.ended_at is None):
            updates.append(CallUpdate("ended", record))
        elif not updates:
            updates.append(CallUpdate("updated", record))
        return updates

    def _record(self, call: _Call) -> CallRecord:
        direction = (
            Direction.OUTBOUND
            if call.originate_action_id is not None
            else call.direction.value or Direction.INBOUND
        )
        if direction is Direction.INBOUND:
            leg = call.channels.get(call.inbound_leg.value or "")
            caller = leg.caller.value if leg is not None else None
            dialled = call.inbound_exten.value
        else:
            caller = call.outbound_exten.value or call.originate_caller
            dialled = caller
        ended_at = call.ended_at
        answered_at = call.answered_at
        wait_seconds = None
        if call.queued_at is not None:
            waited_until = answered_at or call.queue_left_at or ended_at
            if waited_until is not None:
                wait_seconds = _seconds(call.queued_at, waited_until)
        agent_name, agent_interface = call.agent.value or (None, None)
        return CallRecord(
            linkedid=call.linkedid,
            server=self.config.server,
            direction=direction,
            caller=caller,
            dialled=dialled,
            ivr_choice=call.ivr_choice.value,
            queue=call.queue.value,
            agent_name=agent_name,
            agent_interface=agent_interface,
            started_at=call.started_at,
            answered_at=answered_at,
            ended_at=ended_at,
            wait_seconds=wait_seconds,
            talk_seconds=(
                _seconds(answered_at, ended_at)
                if answered_at is not None and ended_at is not None
                else None
            ),
            disposition=self._disposition(call, direction),
            customer_id=call.customer_id.value,
            originate_action_id=call.originate_action_id,
        )

    def _disposition(self, call: _Call, direction: Direction) -> Disposition | None:
        if call.incomplete:
            return Disposition.INCOMPLETE
        if call.answered_at is not None:
            return Disposition.ANSWERED
        if call.ended_at is None:
            return None
        if direction is Direction.INBOUND:
            queued = call.queued_at is not None or call.queue.value is not None
            return Disposition.ABANDONED if queued else Disposition.IVR_ONLY
        if call.dial_status.value is not None:
            return _DIAL_STATUS.get(call.dial_status.value, Disposition.FAILED)
        if call.originate_failure is not None:
            return _ORIGINATE_REASON.get(call.originate_failure, Disposition.FAILED)
        return Disposition.NO_ANSWER


def _link(call: _Call, action_id: str, expected: _Expected) -> None:
    if call.originate_action_id is None:
        expected.linkedid = call.linkedid
        call.originate_action_id = action_id
        call.originate_caller = expected.caller


def _event_time(message: AmiMessage, now: datetime) -> datetime:
    stamp = message.timestamp
    if stamp is not None and math.isfinite(stamp):
        try:
            return datetime.fromtimestamp(stamp, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return _aware(now)


def _aware(moment: datetime) -> datetime:
    """Event times are UTC; a naive `now` is taken as UTC too, so the two always compare."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _duration(channel: AmiMessage) -> int:
    """`Duration: HH:MM:SS` of a CoreShowChannel in seconds; 0 when unreadable."""
    match = _DURATION.fullmatch(channel.get("Duration") or "")
    if match is None:
        return 0
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _channel_base(name: str) -> str:
    """The name a channel was requested by: `Local/123@ctx-0000001a;2` and `Local/123@ctx/n`
    give `Local/123@ctx`, `PJSIP/agent1-0000002b` gives `PJSIP/agent1` (Asterisk numbers each
    channel with 8 hex digits)."""
    name = "/".join(name.split("/", 2)[:2]).split(";", 1)[0]
    stem, dash, sequence = name.rpartition("-")
    if dash and len(sequence) == 8 and all(char in hexdigits for char in sequence):
        return stem
    return name


def _trim(entries: OrderedDict[str, T], limit: int) -> None:
    while len(entries) > max(limit, 0):
        entries.popitem(last=False)
