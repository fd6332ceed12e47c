"""SLA clocks: when each clock of a ticket is due, when it warns, and how pauses, extensions and
appointments move it.

A clock starts at an event (receipt, or resolution for the feedback clock) and is due by its
policy: a wall-clock duration (the service runs 24/7), a number of working days on the business
calendar (due at 24:00 local time of the last one), or the end of the local day. Duration clocks
pause while the ticket waits for the customer, up to the pause allowance of their policy: their
due time moves by the paused time, never by more than the allowance, and a pause that runs past
the allowance counts as running time. A clock whose policy allows no pause (a gas smell, an
outage) never stops for waiting. Deadlines agreed with the customer (an appointment, a complaint
extension) are fixed instants.
At 80 % of its time a clock warns; at its due time it breaches — each exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tickets.calendar import BusinessCalendar
from tickets.types import TicketType
from tickets.wording import N_

WARNING_FRACTION = 0.8


class ClockName(StrEnum):
    REPLY = "reply"
    HANDLE = "handle"
    FIX = "fix"
    RESTORE = "restore"
    FEEDBACK = "feedback"
    # Someone takes the new ticket on (上传下达): it is given to a person, not left unassigned.
    TAKE_UP = "take_up"


class ClockState(StrEnum):
    # Starts later: an outage ticket clocked from its planned outage's start.
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


class TargetKind(StrEnum):
    MINUTES = "minutes"
    WORKING_DAYS = "working_days"
    END_OF_DAY = "end_of_day"


class StartEvent(StrEnum):
    RECEIVED = "received"
    RESOLVED = "resolved"


class DueBasis(StrEnum):
    POLICY = "policy"
    APPOINTMENT = "appointment"
    EXTENSION = "extension"


class ClockError(ValueError):
    pass


@dataclass(frozen=True)
class SlaPolicy:
    """One clock's target. `ticket_type`, `subtype` and `special` left as None match any
    ticket; the most specific matching policy for a clock wins."""

    clock: ClockName
    kind: TargetKind
    amount: int
    ticket_type: TicketType | None = None
    subtype: str | None = None
    special: bool | None = None
    starts_on: StartEvent = StartEvent.RECEIVED
    # Minutes of waiting for the customer this clock may be paused for, in all; 0: never.
    pause_limit: int = 0
    # Extensions agreed with the customer: how many, and how many working days past the
    # policy's deadline the last may reach, in all; 0: never extended.
    extension_limit: int = 0
    extension_days: int = 0
    # The configured target gives more time than the rules (a second admin confirmed it).
    looser: bool = False

    def matches(self, ticket_type: TicketType, subtype: str | None, special: bool) -> bool:
        return (
            (self.ticket_type is None or self.ticket_type == ticket_type)
            and (self.subtype is None or self.subtype == subtype)
            and (self.special is None or self.special == special)
        )

    @property
    def specificity(self) -> int:
        return sum(field is not None for field in (self.ticket_type, self.subtype, self.special))


_HOUR = 60
# How long, in all, a clock may wait for the customer unless its policy says otherwise.
DEFAULT_PAUSE_LIMIT = 48 * _HOUR
# A complaint not settled in five working days: at most two extensions agreed with the
# complainant, reaching at most ten working days past the original deadline.
DEFAULT_EXTENSION_LIMIT = 2
DEFAULT_EXTENSION_DAYS = 10
DEFAULT_POLICIES: tuple[SlaPolicy, ...] = (
    SlaPolicy(
        ClockName.REPLY,
        TargetKind.MINUTES,
        4 * _HOUR,
        TicketType.CONSULTATION,
        pause_limit=DEFAULT_PAUSE_LIMIT,
    ),
    SlaPolicy(
        ClockName.REPLY,
        TargetKind.MINUTES,
        24 * _HOUR,
        TicketType.CONSULTATION,
        special=True,
        pause_limit=DEFAULT_PAUSE_LIMIT,
    ),
    SlaPolicy(
        ClockName.HANDLE,
        TargetKind.MINUTES,
        6 * _HOUR,
        TicketType.REPAIR,
        pause_limit=DEFAULT_PAUSE_LIMIT,
    ),
    SlaPolicy(ClockName.HANDLE, TargetKind.MINUTES, 30, TicketType.REPAIR, "gas_smell"),
    # The customer's own equipment: a technician goes at once (立即赶到) unless agreed
    # otherwise — the urban pledge of 30 minutes.
    SlaPolicy(
        ClockName.HANDLE,
        TargetKind.MINUTES,
        30,
        TicketType.REPAIR,
        "indoor_equipment",
        pause_limit=DEFAULT_PAUSE_LIMIT,
    ),
    SlaPolicy(
        ClockName.FIX,
        TargetKind.MINUTES,
        24 * _HOUR,
        TicketType.REPAIR,
        pause_limit=DEFAULT_PAUSE_LIMIT,
    ),
    SlaPolicy(ClockName.FIX, TargetKind.MINUTES, 24 * _HOUR, TicketType.REPAIR, "gas_smell"),
    SlaPolicy(ClockName.HANDLE, TargetKind.MINUTES, 6 * _HOUR, TicketType.OUTAGE),
    SlaPolicy(ClockName.RESTORE, TargetKind.MINUTES, 24 * _HOUR, TicketType.OUTAGE),
    SlaPolicy(
        ClockName.REPLY,
        TargetKind.WORKING_DAYS,
        5,
        TicketType.COMPLAINT,
        extension_limit=DEFAULT_EXTENSION_LIMIT,
        extension_days=DEFAULT_EXTENSION_DAYS,
    ),
    SlaPolicy(ClockName.FEEDBACK, TargetKind.END_OF_DAY, 0, starts_on=StartEvent.RESOLVED),
    # Every new ticket is taken up by a person within the day it came in (上传下达), per type.
    *(
        SlaPolicy(ClockName.TAKE_UP, TargetKind.END_OF_DAY, 0, ticket_type)
        for ticket_type in TicketType
    ),
)


def select_policies(
    policies: Sequence[SlaPolicy],
    ticket_type: TicketType,
    subtype: str | None,
    special: bool,
    starts_on: StartEvent,
) -> list[SlaPolicy]:
    """The one policy per clock that applies to this ticket, most specific first-listed wins."""
    chosen: dict[ClockName, SlaPolicy] = {}
    for policy in policies:
        if policy.starts_on != starts_on or not policy.matches(ticket_type, subtype, special):
            continue
        current = chosen.get(policy.clock)
        if current is None or policy.specificity > current.specificity:
            chosen[policy.clock] = policy
    return [chosen[name] for name in ClockName if name in chosen]


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """24:00 of `day` in `tz`, i.e. the first instant of the next local day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ClockError(f"{what} must carry a time zone")


def policy_due(
    policy: SlaPolicy, started_at: datetime, calendar: BusinessCalendar, tz: ZoneInfo
) -> tuple[datetime, bool]:
    """The due instant by policy alone, and whether an estimated calendar year decided it."""
    _require_aware(started_at, "started_at")
    if policy.kind is TargetKind.MINUTES:
        return started_at + timedelta(minutes=policy.amount), False
    local_day = started_at.astimezone(tz).date()
    if policy.kind is TargetKind.END_OF_DAY:
        return end_of_local_day(local_day, tz), False
    result = calendar.working_days_after(local_day, policy.amount)
    return end_of_local_day(result.day, tz), result.estimated


@dataclass(frozen=True)
class Clock:
    name: ClockName
    kind: TargetKind
    started_at: datetime
    target_due_at: datetime
    original_due_at: datetime
    pausable: bool
    basis: DueBasis = DueBasis.POLICY
    estimated: bool = False
    # Every second waited, for the record; only `pause_limit_seconds` of it moves the clock.
    paused_seconds: float = 0.0
    paused_at: datetime | None = None
    stopped_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    extension_reason: str | None = None
    pause_limit_seconds: float = 0.0
    extensions: int = 0
    # How and when the customer agreed to the latest extension.
    extension_agreed_via: str | None = None
    extension_agreed_at: datetime | None = None
    # Its policy gives more time than the rules: shown on the ticket and in reports.
    looser_than_rules: bool = False

    @property
    def pause_left_seconds(self) -> float:
        """The allowance not yet used by completed pauses."""
        return max(self.pause_limit_seconds - self.paused_seconds, 0.0)

    def _shift(self) -> timedelta:
        """How far pauses move the due time: completed ones within the allowance, and a pause
        in progress by what is left of it — the latest the clock can fall due while waiting."""
        if not self.pausable:
            return timedelta(0)
        credited = min(self.paused_seconds, self.pause_limit_seconds)
        if self.paused_at is not None:
            credited = self.pause_limit_seconds
        return timedelta(seconds=credited)

    @property
    def due_at(self) -> datetime:
        """Due time counting completed pauses; while paused, the due time the clock reaches if
        the customer never answers (the pause allowance used up)."""
        return self.target_due_at + self._shift()

    @property
    def warn_at(self) -> datetime:
        span = self.target_due_at - self.started_at
        return self.started_at + span * WARNING_FRACTION + self._shift()

    @property
    def is_stopped(self) -> bool:
        return self.stopped_at is not None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def due_at_as_of(self, now: datetime) -> datetime:
        """The due time if the clock resumed at `now`."""
        if self.paused_at is None:
            return self.due_at
        return resume(self, max(now, self.paused_at)).due_at

    def state(self, now: datetime) -> ClockState:
        if self.stopped_at is not None:
            if self.breached_at is None and self.stopped_at < self.due_at:
                return ClockState.MET
            return ClockState.BREACHED
        if self.breached_at is None and now < self.started_at:
            return ClockState.SCHEDULED
        if self.breached_at is not None or now >= self.due_at:
            return ClockState.BREACHED
        if self.paused_at is not None:
            return ClockState.PAUSED
        return ClockState.RUNNING

    def next_check_at(self) -> datetime | None:
        """The next instant the sweeper must look at this clock, or None while nothing can
        happen (stopped, or already warned and breached). A paused clock is looked at when its
        pause allowance would run out."""
        if self.stopped_at is not None:
            return None
        if self.warned_at is None:
            return self.warn_at
        if self.breached_at is None:
            return self.due_at
        return None


def start_clock(
    policy: SlaPolicy, started_at: datetime, calendar: BusinessCalendar, tz: ZoneInfo
) -> Clock:
    due, estimated = policy_due(policy, started_at, calendar, tz)
    return Clock(
        name=policy.clock,
        kind=policy.kind,
        started_at=started_at,
        target_due_at=due,
        original_due_at=due,
        pausable=policy.kind is TargetKind.MINUTES and policy.pause_limit > 0,
        estimated=estimated,
        pause_limit_seconds=float(policy.pause_limit * 60),
        looser_than_rules=policy.looser,
    )


def can_pause(clock: Clock, at: datetime) -> bool:
    """Waiting for the customer stops this clock at `at`: it may pause, has allowance left,
    and had not breached by then (waiting cannot undo a breach; a breach the sweeper recorded
    after `at`, while the back-dated pause was not yet on record, did not happen)."""
    return (
        clock.pausable
        and not clock.is_stopped
        and not clock.is_paused
        and clock.pause_left_seconds > 0
        and (clock.breached_at is None or at < clock.breached_at)
        and at < clock.due_at
    )


def pause(clock: Clock, at: datetime) -> Clock:
    """Pause at `at`, judged by that time: a warning or breach recorded after it is taken
    back — the clock was waiting then — and comes again when the pause allowance runs out."""
    if not can_pause(clock, at):
        return clock
    if clock.breached_at is not None and at < clock.breached_at:
        clock = replace(clock, breached_at=None)
    if clock.warned_at is not None and at < clock.warned_at:
        clock = replace(clock, warned_at=None)
    return replace(clock, paused_at=at)


def resume(clock: Clock, at: datetime) -> Clock:
    if clock.paused_at is None:
        return clock
    if at < clock.paused_at:
        raise ClockError("a clock cannot resume before it paused")
    paused_for = (at - clock.paused_at).total_seconds()
    return replace(clock, paused_at=None, paused_seconds=clock.paused_seconds + paused_for)


def stop(clock: Clock, at: datetime) -> Clock:
    """Stop the clock at `at`. Stopping late records the breach at the due instant, so a breach
    the sweeper had not yet noticed is still recorded exactly once. A fact entered afterwards
    is judged by its own time: a warning or breach the sweeper recorded after that time, while
    the fact was not yet on record, did not happen and is taken back."""
    if clock.is_stopped:
        return clock
    if at < clock.started_at:
        raise ClockError("a clock cannot stop before it started")
    running = resume(clock, at)
    if running.breached_at is not None and at < running.breached_at:
        running = replace(running, breached_at=None)
    if running.warned_at is not None and at < running.warned_at:
        running = replace(running, warned_at=None)
    stopped = replace(running, stopped_at=at)
    if stopped.breached_at is None and at >= stopped.due_at:
        stopped = replace(stopped, breached_at=stopped.due_at)
        if stopped.warned_at is None:
            stopped = replace(stopped, warned_at=stopped.warn_at)
    return stopped


def deadline_day(due_at: datetime, tz: ZoneInfo) -> date:
    """The local day a deadline ends: 24:00 is the end of the day before."""
    return (due_at - timedelta(microseconds=1)).astimezone(tz).date()


def extension_refusal(
    clock: Clock,
    new_due_at: datetime,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    tz: ZoneInfo,
) -> str | None:
    """Why the policy does not allow this extension, or None: too many already, a deadline
    on a day off, or further past the original deadline than the policy's working days."""
    if clock.extensions >= policy.extension_limit:
        return N_("the extensions the rules allow are used up")
    day = deadline_day(new_due_at, tz)
    if not calendar.is_workday(day):
        return N_("an agreed deadline must fall on a working day")
    furthest = calendar.working_days_after(
        deadline_day(clock.original_due_at, tz), policy.extension_days
    )
    if day > furthest.day:
        return N_("the agreed deadline lies further than the rules allow")
    return None


def extend(
    clock: Clock,
    new_due_at: datetime,
    reason: str,
    at: datetime,
    agreed_via: str | None = None,
    agreed_at: datetime | None = None,
) -> Clock:
    """A deadline agreed with the customer replaces the policy's; the original stays on record,
    and so does how and when the customer agreed."""
    _require_aware(new_due_at, "new due time")
    if not reason.strip():
        raise ClockError("an extension needs a reason")
    if clock.is_stopped:
        raise ClockError("the clock has already stopped")
    if clock.breached_at is not None or at >= clock.due_at:
        raise ClockError("the deadline has passed; an extension must be agreed before it")
    if new_due_at <= clock.due_at:
        raise ClockError("the agreed deadline must be later than the current one")
    running = resume(clock, at)
    return replace(
        running,
        target_due_at=new_due_at,
        pausable=False,
        basis=DueBasis.EXTENSION,
        extension_reason=reason.strip(),
        paused_at=None,
        extensions=clock.extensions + 1,
        extension_agreed_via=agreed_via,
        extension_agreed_at=agreed_at,
    )


def appoint(clock: Clock, window_end: datetime, at: datetime) -> Clock:
    """An appointment agreed with the customer makes the window's end the handle deadline —
    unless the deadline has already passed: a breach, recorded or not, stays a breach, and the
    visit is booked against the deadline that was missed."""
    _require_aware(window_end, "appointment end")
    if clock.is_stopped:
        raise ClockError("the clock has already stopped")
    if window_end <= at:
        raise ClockError("the appointment window must end in the future")
    if clock.breached_at is not None or at >= clock.due_at:
        return clock
    running = resume(clock, at)
    return replace(
        running,
        target_due_at=window_end,
        pausable=False,
        basis=DueBasis.APPOINTMENT,
    )


def retarget(clock: Clock, target_due_at: datetime) -> Clock:
    """The policy's deadline changed for this ticket (a consultation found special): the new
    one is the original too; pauses and what was recorded stay."""
    return replace(clock, target_due_at=target_due_at, original_due_at=target_due_at)


def withdraw_appointment(clock: Clock, next_window_end: datetime | None) -> Clock:
    """A cancelled visit gives the clock back the deadline it had without it: the next booked
    visit's window end, or else its own policy deadline (with the pauses it had before the
    appointment). A recorded breach stays."""
    if clock.is_stopped or clock.basis is not DueBasis.APPOINTMENT:
        return clock
    if next_window_end is not None:
        return replace(clock, target_due_at=next_window_end)
    return replace(
        clock,
        target_due_at=clock.original_due_at,
        basis=DueBasis.POLICY,
        pausable=clock.kind is TargetKind.MINUTES and clock.pause_limit_seconds > 0,
    )


class DueEvent(StrEnum):
    WARNING = "warning"
    BREACH = "breach"


def due_events(clock: Clock, now: datetime) -> list[DueEvent]:
    """What has come due on a clock by `now` and is not yet recorded, warning first. A paused
    clock comes due once its pause allowance is used up."""
    if clock.is_stopped:
        return []
    events = []
    if clock.warned_at is None and now >= clock.warn_at:
        events.append(DueEvent.WARNING)
    if clock.breached_at is None and now >= clock.due_at:
        events.append(DueEvent.BREACH)
    return events


def record_due_events(clock: Clock, events: Sequence[DueEvent]) -> Clock:
    """Mark warnings and breaches at the instant they happened, not when they were noticed."""
    for event in events:
        if event is DueEvent.WARNING and clock.warned_at is None:
            clock = replace(clock, warned_at=clock.warn_at)
        if event is DueEvent.BREACH and clock.breached_at is None:
            clock = replace(clock, breached_at=clock.due_at)
    return clock
