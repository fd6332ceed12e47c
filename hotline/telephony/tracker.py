"""Folds AMI events into one record per call, keyed by `Linkedid`. Pure: no I/O, no clock.

Time comes from each event's `Timestamp` header (`timestampevents=yes`): the PBX's clock. What
is only known on our clock (the `now` the caller passes: an event without a Timestamp, a
`CoreShowChannels` listing, the moment the connection was lost) is converted to the PBX's clock
with the offset estimated from the events' Timestamps (`PbxClock`): one call's times are never
taken from two clocks.

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
* Agent: inbound, the queue member of the latest `AgentConnect`; each new agent is an
  `agent_connected` update: the screen pop. Outbound, the phone our Originate rang first (the
  agent who clicked to call), from the start; no screen pop.
* Queue: a caller may leave a queue alive (`Queue()`'s timeout: Asterisk 22 then sends
  `QueueCallerAbandon` and `QueueCallerLeave` exactly as for a hang-up, and the dialplan goes on
  to the callback offer) and join it again; it stays one call. Wait runs from the first
  `QueueCallerJoin` to the answer, else to the last time the caller left a queue (or the end).
  An inbound call that was queued and never answered is `abandoned`, unless the caller finished
  in self-service after leaving the queue (the IVR set `HOTLINE_IVR=goodbye`: a callback
  booked), which is `ivr_only`, or the queue let the caller go at its timeout and they hung up
  after that (`Queue()` sets `QUEUESTATUS=TIMEOUT`, a `VarSet`; queue_log's EXITWITHTIMEOUT),
  which is `timed_out`. Talk: answer to end.
* Outcome of an unanswered outbound call: the customer Dial's status (NOANSWER, BUSY, ...),
  else a failed `OriginateResponse`'s Reason, else no answer.

Folding is idempotent and tolerates re-delivered events: times, and where a call went first
(direction, extension dialled, queue), keep the earliest value by event time; what may change
during a call (IVR choice, caller number, agent, the last queue join and leave) keeps the latest;
so an old event delivered again changes nothing. `DialEnd` and `AgentComplete` are only hints
(Asterisk repeats them or leaves them out): `DialEnd` is one of several answer signals,
`AgentComplete` is not used, and no duration comes from their counters. An ended call is
dropped from memory once reported; a bounded list of recently ended calls keeps a late
duplicate from bringing it back.

After a (re)connect, `reconcile` aligns with what Asterisk lists (see there); `resume` first
brings back, on a new tracker, the calls the call log holds in progress, so that the rebuild
never replaces a stored fact with a poorer one.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from string import hexdigits
from typing import Generic, Literal, TypeVar

from hotline.telephony.endpoints import channel_interface, member_base
from hotline.telephony.frames import AmiMessage
from hotline.telephony.model import CallRecord, Direction, Disposition
from hotline.telephony.pbx_clock import PbxClock

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
    # How the IVR ended (extensions.conf): "goodbye" when the caller finished in self-service.
    ivr_outcome_variable: str = "HOTLINE_IVR"
    self_service_values: frozenset[str] = frozenset({"goodbye"})
    # What Queue() leaves in QUEUESTATUS when its timeout let the caller go.
    queue_status_variable: str = "QUEUESTATUS"
    queue_timeout_values: frozenset[str] = frozenset({"TIMEOUT"})
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


def _latest(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at > current else current


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
    # The first time the caller joined a queue, the last time they joined one, and when they
    # left it that last time (a timeout or a hang-up alike: Asterisk tells them apart by
    # nothing but what the channel does next).
    queued_at: datetime | None = None
    queue_joined_at: datetime | None = None
    queue_left_at: datetime | None = None
    # When the IVR last said the caller finished in self-service (a callback booked).
    self_service_at: datetime | None = None
    # When a queue last let the caller go at its timeout (QUEUESTATUS=TIMEOUT).
    queue_timeout_at: datetime | None = None
    agent: _Pick[tuple[str | None, str | None]] = field(default_factory=_Pick)
    answered_at: datetime | None = None
    dial_status: _Pick[str] = field(default_factory=_Pick)
    originate_action_id: str | None = None
    originate_caller: str | None = None
    originate_failure: str | None = None
    # The caller as the call log had it, for a call resumed from there (no channel known yet).
    stored_caller: str | None = None
    ended_at: datetime | None = None
    incomplete: bool = False
    record: CallRecord | None = None

    @property
    def visible(self) -> bool:
        return self.direction.value is not None or self.originate_action_id is not None

    def has_live_channel(self) -> bool:
        return any(channel.live for channel in self.channels.values())

    @property
    def in_queue(self) -> bool:
        """Waiting in a queue now (as far as the events tell)."""
        joined, left = self.queue_joined_at, self.queue_left_at
        return joined is not None and (left is None or joined > left)


@dataclass(slots=True)
class _Expected:
    caller: str
    at: datetime
    # The phone rung first (the agent's, for a click-to-call): (member name, interface).
    agent: tuple[str | None, str | None] | None
    # The serial the next call will get: the Originate's call cannot be older.
    first_serial: int
    linkedid: str | None = None


Handler = Callable[[_Call, AmiMessage, datetime], None]


@dataclass(frozen=True)
class QueueSnapshot:
    """What `QueueStatus` lists after a (re)connect: the members of every queue (member base ->
    name and interface, see endpoints.member_base) and how long each waiting caller has waited
    (Uniqueid -> seconds)."""

    members: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    waiting: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Iterable[AmiMessage]) -> QueueSnapshot:
        snapshot = cls()
        for message in events:
            if message.event == "QueueMember":
                interface = message.get("Location") or message.get("Interface")
                if interface:
                    name = message.get("Name") or message.get("MemberName") or None
                    snapshot.members[member_base(interface)] = (name, interface)
            elif message.event == "QueueEntry":
                uniqueid, wait = message.get("Uniqueid"), message.get("Wait") or ""
                if uniqueid and wait.isdigit():
                    snapshot.waiting[uniqueid] = float(wait)
        return snapshot


class CallTracker:
    """The calls of one Asterisk server. `apply` every event, in the order received; after each
    (re)connect, `reconcile` with the channels Asterisk reports alive."""

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self.clock = PbxClock()
        self._calls: dict[str, _Call] = {}
        self._serial = 0
        self._ended: OrderedDict[str, _Call] = OrderedDict()
        self._expected: OrderedDict[str, _Expected] = OrderedDict()
        # Uniqueid -> ActionID: an OriginateResponse that came before its channel's first event.
        self._awaited_channels: OrderedDict[str, str] = OrderedDict()
        # A call carrying an ActionID, and an OriginateResponse, before we heard of the
        # Originate (another worker placed it and its word is on the way: telephony/service.py):
        # ActionID -> Linkedid, ActionID -> the response and when it came.
        self._unclaimed: OrderedDict[str, str] = OrderedDict()
        self._early_responses: OrderedDict[str, tuple[AmiMessage, datetime]] = OrderedDict()
        # The queue members of the last QueueStatus (member base -> name, interface).
        self._members: dict[str, tuple[str | None, str]] = {}
        # When the connection was lost (PBX clock), until the reconcile after the reconnect.
        self._lost_at: datetime | None = None
        # While `reconcile` folds in what was heard before its listing, and the last hangup
        # heard of each call meanwhile.
        self._catching_up = False
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
            return self._on_originate_response(message, self._event_time(message, now))
        if name is None:
            return []
        handler = self._handlers.get(name)
        if handler is None and name not in _CHANNEL_EVENTS:
            return []
        linkedid, uniqueid = message.get("Linkedid"), message.get("Uniqueid")
        if not linkedid or not uniqueid or linkedid in self._ended:
            return []
        at = self._event_time(message, now)
        call = self._calls.get(linkedid) or self._new_call(linkedid, at)
        self._touch(call, message, uniqueid, at)
        if handler is not None:
            handler(call, message, at)
        return self._publish(call)

    def expect_originate(
        self, action_id: str, *, caller: str, now: datetime, agent_interface: str | None = None
    ) -> list[CallUpdate]:
        """We are sending an Originate with this ActionID to call `caller`, ringing
        `agent_interface` first (click-to-call) or not (a survey rings the customer first): the
        call it creates is outbound, carries the ActionID and that agent. If it fails before any
        channel of it is seen, the `OriginateResponse` alone makes a call record (linkedid
        `originate:<ActionID>`).

        Another worker's Originate is heard of late, maybe after its call began or even ended:
        what was heard of it is tied then, and returned."""
        agent = None
        if agent_interface is not None:
            agent = self._member(agent_interface) or (None, agent_interface)
        expected = self._expected[action_id] = _Expected(
            caller, self.clock.pbx_time(_aware(now)), agent, first_serial=self._serial
        )
        _trim(self._expected, self.config.pending_originate_limit)
        updates: list[CallUpdate] = []
        linkedid = self._unclaimed.pop(action_id, "")
        claimed_by = self._calls.get(linkedid) or self._ended.get(linkedid)
        if claimed_by is not None:
            _link(claimed_by, action_id, expected)
            updates += self._publish(claimed_by)
        early = self._early_responses.pop(action_id, None)
        if early is not None:
            updates += self._on_originate_response(*early)
        return updates

    def observe_clock(self, pbx_time: datetime, now: datetime) -> None:
        """A message stamped `pbx_time` by the PBX (a Ping's answer) arrived at `now`."""
        self.clock.sample(_aware(pbx_time), _aware(now))

    def connection_lost(self, last_heard: datetime) -> None:
        """The connection was lost; `last_heard` (our clock) is when the PBX last said anything
        on it. Every call up then was still up at that moment: a call found gone at the next
        reconcile ended no earlier (incomplete, ended then: its end and talk are lower bounds)."""
        self._lost_at = self.clock.pbx_time(_aware(last_heard))

    def in_progress(self) -> list[CallRecord]:
        """The calls going on, as last reported."""
        return [call.record for call in self._calls.values() if call.record is not None]

    def reconcile(
        self,
        live_channels: Sequence[AmiMessage],
        now: datetime,
        queues: QueueSnapshot | None = None,
        heard: Iterable[tuple[AmiMessage, datetime]] = (),
    ) -> list[CallUpdate]:
        """Align with the `CoreShowChannel` events (and the `QueueStatus` of `queues`) Asterisk
        lists after a (re)connect; `now` is when they were listed, on our clock.

        A call we track with no live channel left ended while we were not listening: it is
        closed as incomplete, ended when the connection was lost (`connection_lost`), or at the
        last moment we knew it up; its end and talk are lower bounds. A live call we do not
        know started while we were away: it is rebuilt in progress, started `Duration` before
        `now` by its oldest channel. Either way what the listing says is folded in: the
        channels' variables (IVR choice, customer, our ActionID), a caller waiting in a queue
        (joined `Wait` before now), a caller talking (answered while we were away: the agent
        is the queue member whose channel shares the caller's bridge, answered no earlier than
        that channel began to ring, which is taken as the answer). Recently ended calls are
        not rebuilt.

        `heard`: the events received before the listing while we were not tracking (a worker
        taking over from another), each with when it came; folded in first, so that a call
        answered meanwhile keeps its answer and agent as they were, and a call that ended
        meanwhile (not listed) ends as it did, at its last hangup heard, not incomplete."""
        now = self.clock.pbx_time(_aware(now))
        queues = queues or QueueSnapshot()
        self._members.update(queues.members)
        lost_at, self._lost_at = self._lost_at, None
        live: dict[str, list[AmiMessage]] = {}
        for channel in live_channels:
            linkedid, uniqueid = channel.get("Linkedid"), channel.get("Uniqueid")
            if linkedid and uniqueid:
                live.setdefault(linkedid, []).append(channel)
        updates: list[CallUpdate] = []
        # What was heard comes first: a call it shows answered is not given the listing's
        # estimate of the answer. No call ends by a hangup heard: which channels a call had
        # before it was heard is not known, the listing says which calls are still up.
        self._catching_up = True
        try:
            for message, received in heard:
                updates += self.apply(message, received)
        finally:
            self._catching_up = False
        for call in list(self._calls.values()):
            channels = live.pop(call.linkedid, None)
            hung_up = self._hangups_heard.pop(call.linkedid, None)
            if channels is None and hung_up is not None:
                call.ended_at = hung_up  # ended while we listened, before the listing
            elif channels is None:
                call.ended_at = max(call.last_event_at, lost_at or call.last_event_at)
                call.incomplete = True
            else:
                listed = {channel["Uniqueid"] for channel in channels}
                for uniqueid, known in call.channels.items():
                    known.live = known.live and uniqueid in listed
                self._rebuild(call, channels, now, queues.waiting)
            updates += self._publish(call)
        self._hangups_heard.clear()
        for linkedid, channels in live.items():
            if linkedid in self._ended:
                continue
            call = self._new_call(linkedid, now)
            self._rebuild(call, channels, now, queues.waiting)
            updates += self._publish(call)
        return updates

    def resume(self, records: Iterable[CallRecord]) -> None:
        """Calls the call log holds in progress, written before this tracker existed (hotline
        restarted, or another worker led before): known again with every fact stored, before
        the first `reconcile`. The rebuild then only adds to them (times keep the earliest, an
        answer stays answered, the IVR choice and agent stay unless an event changes them),
        and a call no longer up ends incomplete at the last moment the log knew it up.
        Calls it holds ended (another worker saw them end lately) are remembered as recently
        ended: their events heard again change nothing."""
        for record in records:
            linkedid = record.linkedid
            if linkedid in self._calls or linkedid in self._ended:
                continue
            at = record.started_at
            call = self._new_call(linkedid, at)
            call.last_event_at = max(at, record.answered_at or at)
            call.direction.earliest(record.direction, at)
            call.stored_caller = record.caller
            if record.dialled:
                inbound = record.direction is Direction.INBOUND
                (call.inbound_exten if inbound else call.outbound_exten).earliest(
                    record.dialled, at
                )
            if record.ivr_choice:
                call.ivr_choice.latest(record.ivr_choice, at)
            if record.customer_id is not None:
                call.customer_id.latest(record.customer_id, at)
            if record.queue:
                call.queue.earliest(record.queue, at)
            if record.agent_name or record.agent_interface:
                agent_at = record.answered_at or at
                call.agent.latest((record.agent_name, record.agent_interface), agent_at)
            call.answered_at = record.answered_at
            if record.answered_at is not None and record.wait_seconds is not None:
                call.queued_at = record.answered_at - timedelta(seconds=record.wait_seconds)
            call.originate_action_id = record.originate_action_id
            if record.originate_action_id is not None:
                call.originate_caller = record.caller
            call.record = record
            if record.ended_at is not None:
                call.ended_at = record.ended_at
                call.incomplete = record.disposition is Disposition.INCOMPLETE
                del self._calls[linkedid]
                self._ended[linkedid] = call
                _trim(self._ended, self.config.recently_ended_limit)

    # -- folding ------------------------------------------------------------------------------

    def _event_time(self, message: AmiMessage, now: datetime) -> datetime:
        """The event's Timestamp (and a sample of the PBX's clock), or `now` on the PBX's
        clock when it has none."""
        now = _aware(now)
        stamp = _stamp(message)
        if stamp is None:
            return self.clock.pbx_time(now)
        self.clock.sample(stamp, now)
        return stamp

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
        elif variable == config.ivr_outcome_variable:
            if value in config.self_service_values:
                call.self_service_at = _latest(call.self_service_at, at)
        elif variable == config.queue_status_variable:
            if value in config.queue_timeout_values:
                call.queue_timeout_at = _latest(call.queue_timeout_at, at)
        elif variable == "DIALSTATUS" and value and self._outbound_channel(message):
            self._dial_ended(call, value, at)

    def _on_hangup(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        call.channels[message["Uniqueid"]].live = False
        if self._catching_up:
            # Heard before a listing (reconcile): if the listing does not have the call, it
            # ended at its last hangup heard.
            last = self._hangups_heard.get(call.linkedid)
            self._hangups_heard[call.linkedid] = at if last is None or at > last else last
            return
        if not call.has_live_channel():
            call.ended_at = at

    def _on_queue_join(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        self._queue(call, message, at)
        call.queued_at = _earliest(call.queued_at, at)
        call.queue_joined_at = _latest(call.queue_joined_at, at)

    def _on_queue_leave(self, call: _Call, message: AmiMessage, at: datetime) -> None:
        """The caller's last stint in a queue ends at its first exit event (a hang-up or a
        timeout gives QueueCallerAbandon, then QueueCallerLeave)."""
        self._queue(call, message, at)
        joined, left = call.queue_joined_at, call.queue_left_at
        if joined is not None and at < joined:
            return  # an exit of an earlier stint, delivered again
        if left is None or (joined is not None and left < joined) or at < left:
            call.queue_left_at = at

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
        elif (
            status == "ANSWER"
            and message.get("Context") in self.config.inbound_contexts
            and not call.in_queue
        ):
            # An inbound call the dialplan put through with its own Dial (a gas smell nobody
            # took in the emergency queue, to the on-call phones): the phone that answered took
            # it. (A queue's own dial to a member ends while the caller is still queued; its
            # AgentConnect names the member.)
            interface = channel_interface(message.get("DestChannel") or "")
            if interface and call.agent.value is None:
                call.agent.latest((None, interface), at)

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

    def _rebuild(
        self,
        call: _Call,
        channels: list[AmiMessage],
        now: datetime,
        waiting: dict[str, float],
    ) -> None:
        """What `CoreShowChannel` says of a live call: its channels, how long they have been
        up (whole seconds), the context each runs now and its variables, a queue it waits in
        (and since when, from QueueStatus), a bridge. `now` is on the PBX's clock."""
        call.last_event_at = max(call.last_event_at, now)
        configured = self.config.inbound_contexts | self.config.outbound_contexts
        created: dict[str, datetime] = {}
        for listed in channels:
            uniqueid = listed["Uniqueid"]
            since = created[uniqueid] = now - timedelta(seconds=_duration(listed))
            call.started_at = min(call.started_at, since)
            channel = self._channel(call, uniqueid, listed.get("Channel"))
            number = listed.get("CallerIDNum")
            if number is not None and number not in _NOTHING:
                channel.caller.latest(number, since)
            context = listed.get("Context")
            self._in_context(call, uniqueid, context, listed.get("Exten"), since)
            if context not in configured:
                continue
            self._listed_variables(call, listed, now)
            if listed.get("Application") == "Queue":
                queue = (listed.get("ApplicationData") or "").split(",")[0]
                if queue:
                    call.queue.earliest(queue, since)
                wait = waiting.get(uniqueid)
                joined = now if wait is None else now - timedelta(seconds=wait)
                if wait is not None:
                    call.queued_at = _earliest(call.queued_at, joined)
                call.queue_joined_at = _latest(call.queue_joined_at, joined)
        for listed in channels:
            bridge = listed.get("BridgeId")
            if not bridge or listed.get("Context") not in configured:
                continue
            peers = [
                other
                for other in channels
                if other is not listed and other.get("BridgeId") == bridge
            ]
            if call.answered_at is not None:
                continue  # seen answered: an estimate is no better than that
            # Answered no earlier than the other side began to ring; talking by now anyway.
            answered = max((created[peer["Uniqueid"]] for peer in peers), default=now)
            call.answered_at = answered
            if listed.get("Context") in self.config.inbound_contexts:
                self._bridged_agent(call, peers, answered)

    def _listed_variables(self, call: _Call, listed: AmiMessage, now: datetime) -> None:
        """The `channelvars` a listed channel carries (manager.conf): what the IVR set."""
        variables = listed.channel_variables()
        config = self.config
        choice = variables.get(config.choice_variable)
        if choice and choice not in config.no_choice_values:
            call.ivr_choice.latest(choice, now)
        customer = variables.get(config.customer_variable) or ""
        if customer.isascii() and customer.isdigit() and len(customer) <= _MAX_ID_DIGITS:
            call.customer_id.latest(int(customer), now)
        action_id = variables.get(config.originate_variable)
        if action_id:
            self._claim(call, action_id)

    def _bridged_agent(self, call: _Call, peers: list[AmiMessage], at: datetime) -> None:
        """The agent of a call answered while we were away: the queue member whose channel is
        in the caller's bridge (QueueStatus names it), else that channel's own interface."""
        for peer in peers:
            interface = channel_interface(peer.get("Channel") or "")
            if not interface:
                continue
            agent = self._member(interface) or (None, interface)
            call.agent.latest(agent, at)
            return

    def _member(self, interface: str) -> tuple[str | None, str] | None:
        return self._members.get(member_base(interface))

    # -- originate ----------------------------------------------------------------------------

    def _claim(self, call: _Call, action_id: str) -> None:
        """The call carries our ActionID in a channel variable; its OriginateResponse is still
        to come, so the expectation stays. Not expected yet: tied when it is."""
        expected = self._expected.get(action_id)
        if expected is None:
            self._unclaimed[action_id] = call.linkedid
            _trim(self._unclaimed, self.config.pending_originate_limit)
        elif expected.linkedid is None:
            _link(call, action_id, expected)

    def _on_originate_response(self, message: AmiMessage, at: datetime) -> list[CallUpdate]:
        action_id = message.action_id
        expected = self._expected.get(action_id) if action_id else None
        if action_id is None:
            return []
        if expected is None:
            # Someone else's, or ours from another worker whose word has not come yet.
            self._early_responses[action_id] = (message, at)
            _trim(self._early_responses, self.config.pending_originate_limit)
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
        if any(agent) and agent != earlier_agent and record.direction is Direction.INBOUND:
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
            caller = caller or call.stored_caller
            dialled = call.inbound_exten.value
        else:
            caller = call.outbound_exten.value or call.originate_caller
            dialled = caller
        ended_at = call.ended_at
        answered_at = call.answered_at
        wait_seconds = None
        if call.queued_at is not None:
            left = None if call.in_queue else call.queue_left_at
            waited_until = answered_at or left or ended_at
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

    @staticmethod
    def _finished_in_self_service(call: _Call) -> bool:
        """Left the queue alive (a timeout) and then finished in the IVR (a callback booked):
        not abandoned. Hanging up while waiting in the queue, or before finishing, is."""
        done = call.self_service_at
        if done is None or call.in_queue:
            return False
        return call.queue_left_at is None or done > call.queue_left_at

    @staticmethod
    def _let_go_at_the_timeout(call: _Call) -> bool:
        """The caller's last stint in a queue ended by the queue's timeout (QUEUESTATUS set
        after that stint began), not by the caller hanging up in it."""
        timeout, joined = call.queue_timeout_at, call.queue_joined_at
        if timeout is None or call.in_queue:
            return False
        return joined is None or timeout >= joined

    def _disposition(self, call: _Call, direction: Direction) -> Disposition | None:
        if call.incomplete:
            return Disposition.INCOMPLETE
        if call.answered_at is not None:
            return Disposition.ANSWERED
        if call.ended_at is None:
            return None
        if direction is Direction.INBOUND:
            queued = call.queued_at is not None or call.queue.value is not None
            if not queued or self._finished_in_self_service(call):
                return Disposition.IVR_ONLY
            if self._let_go_at_the_timeout(call):
                return Disposition.TIMED_OUT
            return Disposition.ABANDONED
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
        if expected.agent is not None:
            call.agent.latest(expected.agent, expected.at)


def _stamp(message: AmiMessage) -> datetime | None:
    """The event's Timestamp, when it has a readable one."""
    stamp = message.timestamp
    if stamp is not None and math.isfinite(stamp):
        try:
            return datetime.fromtimestamp(stamp, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return None


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
