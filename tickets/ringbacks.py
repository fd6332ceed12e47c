"""Ring-backs (回拨): calling back a caller who asked to be called instead of waiting in the
queue (virtual hold) or who gave up waiting (a missed call).

The service regulations say a call that could not be taken must be returned as soon as the
work allows (因为工作缘由短暂不便接听电话应在工作完成后及时回复). So:

* every abandoned queue call from a number we can call becomes a ring-back, unless the caller
  got through within a few minutes (they often call again at once); a gas-smell call that
  was abandoned becomes one at once, and the dispatchers are alarmed;
* a number has at most one open ring-back: asking again, or missing another call, keeps the
  one there, with the earlier arrival time — the caller keeps the place in the queue;
* ring-backs are dialled in the order the callers first joined the queue, gas smell first;
  when an agent of the caller's queue is free and no caller is waiting in that queue (the
  callers on the line are served first), except a gas smell, which goes ahead of them and
  takes a free agent of any queue when its own has none;
* a ring-back not answered is tried again after a pause, up to the policy's attempts; then
  it has failed and the supervisors see it. A caller who got through meanwhile needs none:
  it is dropped. Outbound calls hold during the quiet hours, except for a gas smell and
  for a caller who called within the last hour (who is expecting the call).

Statuses: waiting → dialling → connected | failed, and waiting/dialling → dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from tickets.callbacks import QuietHours
from tickets.phones import PhoneError, normalise_phone

# The IVR's choice and the queue of a gas smell, as the dialplan names them; the queue every
# other choice goes to.
GAS_SMELL_CHOICE = "gas-smell"
EMERGENCY_QUEUE = "emergency"
HOTLINE_QUEUE = "hotline"


class RingbackReason(StrEnum):
    VIRTUAL_HOLD = "virtual_hold"  # the caller asked to be called back instead of waiting
    MISSED_CALL = "missed_call"  # the caller gave up waiting in the queue
    GAS_SMELL_MISSED = "gas_smell_missed"  # a gas smell call given up: an emergency


class RingbackStatus(StrEnum):
    WAITING = "waiting"  # for a free agent (and for its next attempt)
    DIALLING = "dialling"  # an agent's phone, then the caller's, are ringing
    CONNECTED = "connected"  # the caller answered
    FAILED = "failed"  # every attempt went unanswered
    DROPPED = "dropped"  # the caller got through meanwhile, or it was withdrawn

    @property
    def open(self) -> bool:
        return self in OPEN


OPEN = frozenset({RingbackStatus.WAITING, RingbackStatus.DIALLING})


class DialOutcome(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # the phone system could not place the call


class RingbackError(ValueError):
    """A step the ring-back's state does not allow; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class RingbackPolicy:
    """Defaults until an admin changes them (the ring-back policy row)."""

    # A missed call becomes a ring-back when the caller has not got through within this.
    missed_call_grace: timedelta = timedelta(minutes=3)
    retry_after: timedelta = timedelta(minutes=10)
    max_attempts: int = 3
    # The IVR offers a ring-back when a caller's expected wait is longer than this.
    offer_wait_seconds: int = 90
    # A caller who called this recently is expecting the call, quiet hours or not.
    fresh_for: timedelta = timedelta(hours=1)
    quiet: QuietHours = field(default_factory=QuietHours)
    # Off: ring-backs are only listed, for agents to call by hand.
    automatic_dialling: bool = True


@dataclass(frozen=True)
class Ringback:
    """What the rules need to know of one ring-back."""

    id: int
    reason: RingbackReason
    status: RingbackStatus
    arrived_at: datetime
    queue: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None

    @property
    def gas_smell(self) -> bool:
        return self.reason is RingbackReason.GAS_SMELL_MISSED


def callable_number(raw: str | None, local_area_code: str) -> str | None:
    """The number in E.164 when it is one we can call back: a real caller ID, not a withheld
    one, a short service number or an extension."""
    if raw is None:
        return None
    try:
        return normalise_phone(raw, local_area_code)
    except PhoneError:
        return None


def dial_order(ringback: Ringback) -> tuple[int, datetime, int]:
    """Gas smell first, then by the time the caller first joined the queue."""
    return (0 if ringback.gas_smell else 1, ringback.arrived_at, ringback.id)


def place(ringback_id: int, open_ringbacks: Iterable[Ringback]) -> int:
    """The 1-based place of a ring-back among the open ones, in dial order."""
    ordered = sorted((r for r in open_ringbacks if r.status.open), key=dial_order)
    for number, ringback in enumerate(ordered, start=1):
        if ringback.id == ringback_id:
            return number
    raise RingbackError("id", f"ring-back {ringback_id} is not open")


@dataclass(frozen=True)
class Request:
    """A ring-back asked for (by the IVR) or made of a missed call."""

    reason: RingbackReason
    arrived_at: datetime
    ticket_type: str | None = None
    queue: str | None = None
    customer_id: int | None = None


def merge(open_one: Request, again: Request) -> Request:
    """One open ring-back per number: a second request joins the first. The caller keeps the
    earlier place; a gas smell makes the whole ring-back one (its choice and queue too);
    otherwise what was known first stands and what was missing is filled in."""
    if again.reason is RingbackReason.GAS_SMELL_MISSED:
        first, second = again, open_one
    else:
        first, second = open_one, again
    return Request(
        reason=first.reason,
        arrived_at=min(open_one.arrived_at, again.arrived_at),
        ticket_type=first.ticket_type or second.ticket_type,
        queue=first.queue or second.queue,
        customer_id=first.customer_id or second.customer_id,
    )


def reason_of_missed_call(ivr_choice: str | None, queue: str | None) -> RingbackReason:
    if ivr_choice == GAS_SMELL_CHOICE or queue == EMERGENCY_QUEUE:
        return RingbackReason.GAS_SMELL_MISSED
    return RingbackReason.MISSED_CALL


def joined_queue_at(
    started_at: datetime, ended_at: datetime | None, wait: float | None
) -> datetime:
    """When an abandoned caller joined the queue: the end less the wait in it, else the
    call's start (the menu's time counts then; the place errs early, never late)."""
    if ended_at is None or wait is None or wait < 0:
        return started_at
    return max(started_at, ended_at - timedelta(seconds=wait))


def missed_call_ripe(
    reason: RingbackReason, ended_at: datetime, now: datetime, policy: RingbackPolicy
) -> bool:
    """Whether an abandoned call should become a ring-back now: a gas smell at once, others
    once the caller has had the grace time to get through by calling again."""
    if reason is RingbackReason.GAS_SMELL_MISSED:
        return ended_at <= now
    return ended_at + policy.missed_call_grace <= now


def due(ringback: Ringback, now: datetime) -> bool:
    return ringback.status is RingbackStatus.WAITING and (
        ringback.next_attempt_at is None or ringback.next_attempt_at <= now
    )


def may_call_now(ringback: Ringback, now: datetime, policy: RingbackPolicy, tz: ZoneInfo) -> bool:
    """Outside the quiet hours any ring-back; inside them a gas smell, and a caller who
    called within `fresh_for` (they are waiting for us)."""
    if ringback.gas_smell or now - ringback.arrived_at <= policy.fresh_for:
        return True
    return not policy.quiet.holds(now.astimezone(tz).time().replace(tzinfo=None))


def start_dialling(ringback: Ringback, now: datetime) -> Ringback:
    if not due(ringback, now):
        raise RingbackError("status", f"a ring-back {ringback.status.value} is not due to dial")
    return replace(ringback, status=RingbackStatus.DIALLING)


def after_attempt(
    ringback: Ringback, outcome: DialOutcome, at: datetime, policy: RingbackPolicy
) -> Ringback:
    """The ring-back after one dialling ended: connected when answered; otherwise waiting
    for the next attempt after `retry_after`, or failed once the attempts are used up."""
    if ringback.status is not RingbackStatus.DIALLING:
        raise RingbackError("status", f"a ring-back {ringback.status.value} is not dialling")
    attempts = ringback.attempts + 1
    if outcome is DialOutcome.ANSWERED:
        return replace(ringback, status=RingbackStatus.CONNECTED, attempts=attempts)
    if attempts >= policy.max_attempts:
        return replace(
            ringback, status=RingbackStatus.FAILED, attempts=attempts, next_attempt_at=None
        )
    return replace(
        ringback,
        status=RingbackStatus.WAITING,
        attempts=attempts,
        next_attempt_at=at + policy.retry_after,
    )


def reached_otherwise(ringback: Ringback) -> Ringback:
    """An agent reached the caller by another call of ours (click-to-call from the list)."""
    if not ringback.status.open:
        raise RingbackError("status", f"a ring-back {ringback.status.value} is finished")
    return replace(ringback, status=RingbackStatus.CONNECTED, next_attempt_at=None)


def drop(ringback: Ringback) -> Ringback:
    """The caller got through meanwhile, or someone withdrew the ring-back."""
    if not ringback.status.open:
        raise RingbackError("status", f"a ring-back {ringback.status.value} is finished")
    return replace(ringback, status=RingbackStatus.DROPPED, next_attempt_at=None)


class QueueSeats(Protocol):
    """What the dialler needs of a queue now (hotline.telephony.queues.QueueNow has it)."""

    @property
    def waiting(self) -> int: ...

    @property
    def ready_interfaces(self) -> tuple[str, ...]: ...


def queue_of(ringback: Ringback) -> str:
    """The queue whose agents call the caller back: the one they waited in, else the one the
    dialplan sends their choice to."""
    if ringback.queue:
        return ringback.queue
    return EMERGENCY_QUEUE if ringback.gas_smell else HOTLINE_QUEUE


def choose_dials(
    ringbacks: Sequence[Ringback],
    queues: Mapping[str, QueueSeats],
    phones_in_use: Iterable[str],
    now: datetime,
    policy: RingbackPolicy,
    tz: ZoneInfo,
) -> list[tuple[Ringback, str]]:
    """Which ring-backs to dial now and whose phone rings first for each, in dial order: a
    free agent of the caller's queue when nobody waits in it (gas smell: whoever waits, and
    a free agent of any queue when its own has none). `phones_in_use` are the agents'
    phones already ringing for a ring-back."""
    taken = set(phones_in_use)
    chosen: list[tuple[Ringback, str]] = []
    for ringback in sorted(ringbacks, key=dial_order):
        if not due(ringback, now) or not may_call_now(ringback, now, policy, tz):
            continue
        own = queues.get(queue_of(ringback))
        if ringback.gas_smell:
            others = [q for name, q in sorted(queues.items()) if name != queue_of(ringback)]
            candidates = [own, *others] if own is not None else others
        elif own is not None and own.waiting == 0:
            candidates = [own]
        else:
            continue
        phone = next(
            (i for queue in candidates for i in queue.ready_interfaces if i not in taken), None
        )
        if phone is not None:
            taken.add(phone)
            chosen.append((ringback, phone))
    return chosen
