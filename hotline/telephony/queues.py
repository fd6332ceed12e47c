"""The queues as Asterisk sees them now, from one `QueueStatus` answer, and how long a caller
joining one of them may expect to wait. Pure: AMI frames in, figures out; the asking is done by
`Telephony.queues_now`.

A `QueueStatus` answer holds, per queue, one `QueueParams` (callers, Asterisk's rolling average
hold and talk times, completed and abandoned calls), one `QueueMember` per member and one
`QueueEntry` per caller waiting. A member is

* away when paused, or when its phone cannot be reached (device state invalid or unavailable:
  not registered, unplugged) — no call can go to it;
* busy when on a call (`InCall`) or its device is in use, busy, ringing or on hold;
* ready otherwise (idle, or a device state Asterisk does not know, which it rings anyway).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hotline.telephony.frames import AmiMessage

# Asterisk's device states (include/asterisk/devicestate.h) a member's `Status` reports.
_IN_USE_STATES = frozenset({"2", "3", "6", "7", "8"})  # in use, busy, ringing, ring in use, hold
_UNREACHABLE_STATES = frozenset({"4", "5"})  # invalid, unavailable


@dataclass(frozen=True)
class QueueNow:
    """One queue at one moment. `ready`, `busy` and `away` count members (each interface once);
    the interfaces behind them say which phones those are. `holdtime_seconds` and
    `talktime_seconds` are Asterisk's exponential averages over the queue's recent calls
    (each new call weighs a quarter), 0 until a call has completed."""

    waiting: int = 0
    longest_wait_seconds: int = 0
    ready: int = 0
    busy: int = 0
    away: int = 0
    ready_interfaces: tuple[str, ...] = ()
    holdtime_seconds: int = 0
    talktime_seconds: int = 0
    completed: int | None = None
    abandoned: int | None = None
    busy_interfaces: tuple[str, ...] = ()
    away_interfaces: tuple[str, ...] = ()

    @property
    def staffed(self) -> int:
        """Members taking calls, on one now or free for the next."""
        return self.ready + self.busy


@dataclass
class _Folding:
    waiting: int = 0
    longest_wait: int = 0
    ready: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    away: list[str] = field(default_factory=list)
    holdtime: int = 0
    talktime: int = 0
    completed: int | None = None
    abandoned: int | None = None

    def member(self, event: AmiMessage) -> None:
        interface = event.get("StateInterface") or event.get("Location") or ""
        if interface in self.ready or interface in self.busy or interface in self.away:
            return
        status = event.get("Status") or ""
        if event.get("Paused") == "1" or status in _UNREACHABLE_STATES:
            self.away.append(interface)
        elif event.get("InCall") == "1" or status in _IN_USE_STATES:
            self.busy.append(interface)
        else:
            self.ready.append(interface)

    def frozen(self) -> QueueNow:
        return QueueNow(
            waiting=self.waiting,
            longest_wait_seconds=self.longest_wait,
            ready=len(self.ready),
            busy=len(self.busy),
            away=len(self.away),
            ready_interfaces=tuple(self.ready),
            holdtime_seconds=self.holdtime,
            talktime_seconds=self.talktime,
            completed=self.completed,
            abandoned=self.abandoned,
            busy_interfaces=tuple(self.busy),
            away_interfaces=tuple(self.away),
        )


def _whole(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def fold_queue_status(events: list[AmiMessage]) -> dict[str, QueueNow]:
    """Per queue name, what one QueueStatus answer says of it. Events of other kinds (the
    closing `QueueStatusComplete`) and events naming no queue are passed over."""
    queues: dict[str, _Folding] = {}
    for event in events:
        name = event.get("Queue")
        if not name or event.event not in ("QueueParams", "QueueMember", "QueueEntry"):
            continue
        queue = queues.setdefault(name, _Folding())
        if event.event == "QueueParams":
            queue.holdtime = _whole(event.get("Holdtime")) or 0
            queue.talktime = _whole(event.get("TalkTime")) or 0
            queue.completed = _whole(event.get("Completed"))
            queue.abandoned = _whole(event.get("Abandoned"))
        elif event.event == "QueueMember":
            queue.member(event)
        else:
            queue.waiting += 1
            queue.longest_wait = max(queue.longest_wait, _whole(event.get("Wait")) or 0)
    return {name: queue.frozen() for name, queue in queues.items()}


# A phone in several queues shows its busiest state.
_STATE_RANK = {"away": 0, "ready": 1, "busy": 2}


def member_states(queues: Mapping[str, QueueNow]) -> dict[str, str]:
    """Each member phone's state — `ready`, `busy` or `away` — over all queues (the busiest
    when it is in several); a phone in no queue is not listed (logged out)."""
    states: dict[str, str] = {}
    for queue in queues.values():
        for state, interfaces in (
            ("away", queue.away_interfaces),
            ("ready", queue.ready_interfaces),
            ("busy", queue.busy_interfaces),
        ):
            for interface in interfaces:
                if _STATE_RANK[state] >= _STATE_RANK[states.get(interface, "away")]:
                    states[interface] = state
    return states


def merge_servers(answers: Iterable[Mapping[str, QueueNow]]) -> dict[str, QueueNow]:
    """The same queue on several Asterisk servers as one: callers and members added up,
    the longest wait the longest, the averages weighted by completed calls."""
    merged: dict[str, QueueNow] = {}
    for answer in answers:
        for name, queue in answer.items():
            merged[name] = _together(merged[name], queue) if name in merged else queue
    return merged


def _together(one: QueueNow, other: QueueNow) -> QueueNow:
    weights = (max(one.completed or 0, 1), max(other.completed or 0, 1))

    def average(first: int, second: int) -> int:
        return round((first * weights[0] + second * weights[1]) / sum(weights))

    def added(first: int | None, second: int | None) -> int | None:
        return None if first is None and second is None else (first or 0) + (second or 0)

    return QueueNow(
        waiting=one.waiting + other.waiting,
        longest_wait_seconds=max(one.longest_wait_seconds, other.longest_wait_seconds),
        ready=one.ready + other.ready,
        busy=one.busy + other.busy,
        away=one.away + other.away,
        ready_interfaces=one.ready_interfaces + other.ready_interfaces,
        holdtime_seconds=average(one.holdtime_seconds, other.holdtime_seconds),
        talktime_seconds=average(one.talktime_seconds, other.talktime_seconds),
        completed=added(one.completed, other.completed),
        abandoned=added(one.abandoned, other.abandoned),
        busy_interfaces=one.busy_interfaces + other.busy_interfaces,
        away_interfaces=one.away_interfaces + other.away_interfaces,
    )


@dataclass(frozen=True)
class FloorNow:
    """Every queue together, for the wallboard: a phone that is a member of several queues
    counts once — busy if it is busy in any, else ready if ready in any, else away."""

    waiting: int
    longest_wait_seconds: int
    ready: int
    busy: int
    away: int


def floor(queues: Mapping[str, QueueNow]) -> FloorNow:
    busy = {i for queue in queues.values() for i in queue.busy_interfaces}
    ready = {i for queue in queues.values() for i in queue.ready_interfaces} - busy
    away = {i for queue in queues.values() for i in queue.away_interfaces} - busy - ready
    return FloorNow(
        waiting=sum(queue.waiting for queue in queues.values()),
        longest_wait_seconds=max((q.longest_wait_seconds for q in queues.values()), default=0),
        ready=len(ready),
        busy=len(busy),
        away=len(away),
    )


def expected_wait_seconds(queue: QueueNow, position: int | None = None) -> float:
    """How long a caller at `position` (1 = next to be served; by default a caller joining
    now, behind everyone waiting) may expect to wait, in seconds.

    The model: the first `ready` callers are put through at once. Every caller beyond them
    waits for a member to finish a call; the staffed members (ready or busy) finish one call
    each per average talk time between them, so the k-th caller beyond the ready ones waits
    about k x talk time / staffed members. It is deliberately plain: it ignores wrap-up time,
    ring time and callers who give up (all make it err low by seconds, not minutes), and
    reads the queue's averages as they are now.

    Where it cannot run — nobody staffed (all away), or no talk time measured yet — the best
    figure there is stands in: Asterisk's own average hold time, or the longest current wait
    if that is longer. The result is never negative, always finite, and never smaller for a
    later position."""
    place = queue.waiting + 1 if position is None else position
    if place < 1:
        raise ValueError(f"a queue position starts at 1, got {place}")
    beyond_ready = place - queue.ready
    if beyond_ready <= 0:
        return 0.0
    if queue.staffed > 0 and queue.talktime_seconds > 0:
        return beyond_ready * queue.talktime_seconds / queue.staffed
    return float(max(queue.holdtime_seconds, queue.longest_wait_seconds, 0))
