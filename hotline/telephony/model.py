"""What a call is, as the rest of hotline sees it: one record per call, keyed by `Linkedid`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any, Protocol


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Disposition(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    IVR_ONLY = "ivr_only"
    # Queued, never answered, and the queue let the caller go at its timeout (queue_log
    # EXITWITHTIMEOUT); the caller hung up afterwards (during the callback offer, or while the
    # on-call phones rang). A missed call, as an abandoned one, but not abandoned in the KPIs.
    TIMED_OUT = "timed_out"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    # The end of the call was never seen (AMI was down when it hung up): it ended when the
    # connection was lost or later, so its end and talk are lower bounds.
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class CallRecord:
    """A snapshot of one call. `ended_at is None` while the call is in progress; `disposition`
    is final only once it has ended."""

    linkedid: str
    server: str
    direction: Direction
    caller: str | None
    dialled: str | None
    ivr_choice: str | None
    queue: str | None
    agent_name: str | None
    agent_interface: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: float | None
    talk_seconds: float | None
    disposition: Disposition | None
    customer_id: int | None = None
    # The ActionID of our own Originate, when we placed the call.
    originate_action_id: str | None = None

    @property
    def in_progress(self) -> bool:
        return self.ended_at is None


def times_are_lower_bounds(disposition: str | None) -> bool:
    """An incomplete call ended at its `ended_at` or later: the end, the talk and (if it never
    left the queue) the wait are at least what is shown."""
    return disposition == Disposition.INCOMPLETE


def iso_in(moment: datetime | None, tz: tzinfo) -> str | None:
    return moment.astimezone(tz).isoformat() if moment is not None else None


def call_json(call: CallLike, tz: tzinfo) -> dict[str, Any]:
    """A call in the API's shape, from a tracker snapshot or a call log row alike."""
    return {
        "linkedid": call.linkedid,
        "server": call.server,
        "direction": str(call.direction),
        "caller": call.caller,
        "dialled": call.dialled,
        "ivr_choice": call.ivr_choice,
        "queue": call.queue,
        "agent": {"name": call.agent_name, "interface": call.agent_interface}
        if call.agent_name or call.agent_interface
        else None,
        "customer_id": call.customer_id,
        "started_at": iso_in(call.started_at, tz),
        "answered_at": iso_in(call.answered_at, tz),
        "ended_at": iso_in(call.ended_at, tz),
        "wait_seconds": call.wait_seconds,
        "talk_seconds": call.talk_seconds,
        "disposition": str(call.disposition) if call.disposition is not None else None,
        "times_are_lower_bounds": times_are_lower_bounds(call.disposition),
        "originate_action_id": call.originate_action_id,
    }


class CallLike(Protocol):
    @property
    def linkedid(self) -> str: ...
    @property
    def server(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def caller(self) -> str | None: ...
    @property
    def dialled(self) -> str | None: ...
    @property
    def ivr_choice(self) -> str | None: ...
    @property
    def queue(self) -> str | None: ...
    @property
    def agent_name(self) -> str | None: ...
    @property
    def agent_interface(self) -> str | None: ...
    @property
    def customer_id(self) -> int | None: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def answered_at(self) -> datetime | None: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def wait_seconds(self) -> float | None: ...
    @property
    def talk_seconds(self) -> float | None: ...
    @property
    def disposition(self) -> str | None: ...
    @property
    def originate_action_id(self) -> str | None: ...
