"""Follow-up callbacks (回访): when a task is created, when it may first be attempted, how failed
attempts are retried, and when it ends.

Every resolved complaint, every fixed repair and every completed visit gets a callback; a
sample of consultations too; and every caller of an outage once it is relit. The first attempt
waits a little (the customer should have had time to see the result) and never falls in the
quiet hours; a customer not reached is tried
again on another half-day — morning and afternoon are different lives — up to the last
attempt, after which the task ends unreachable and counts against the callback rate.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tickets.types import TicketType
from tickets.wording import N_
from tickets.workflow import Action

NOON = time(12, 0)


class CallbackKind(StrEnum):
    COMPLAINT = "complaint"  # the complaint was resolved
    REPAIR = "repair"  # the repair was fixed (the call also confirms the fix)
    VISIT = "visit"  # a door-to-door visit was completed
    CONSULTATION = "consultation"  # a sampled consultation
    OUTAGE = "outage"  # an outage's caller, once it is relit (tickets/incident_followups.py)


class Outcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    REFUSED = "refused"


class TaskStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    IN_PROGRESS = "in_progress"  # the customer was reached; the survey is being taken
    DONE = "done"  # survey recorded
    REFUSED = "refused"  # reached, declined the survey: counts as reached
    UNREACHABLE = "unreachable"  # every attempt failed
    WRONG_NUMBER = "wrong_number"  # for a person to correct the number

    @property
    def finished(self) -> bool:
        return self in FINISHED


FINISHED = frozenset(
    {TaskStatus.DONE, TaskStatus.REFUSED, TaskStatus.UNREACHABLE, TaskStatus.WRONG_NUMBER}
)
# Whom the callback rate counts as reached.
REACHED = frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.REFUSED})


class CallbackError(ValueError):
    """An attempt or survey the task's state does not allow; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class QuietHours:
    """Outbound calls wait while these hold, local time. `start` after `end` spans midnight."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def holds(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """`moment` itself when calls are allowed then, else the end of these quiet hours."""
        local = moment.astimezone(tz)
        if not self.holds(local.time().replace(tzinfo=None)):
            return moment
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(moment.tzinfo)


@dataclass(frozen=True)
class CallbackPolicy:
    """Defaults from the service regulations; the policy table lets admins change them."""

    delays: dict[CallbackKind, timedelta] = field(
        default_factory=lambda: {
            CallbackKind.COMPLAINT: timedelta(hours=1),
            CallbackKind.REPAIR: timedelta(hours=2),
            CallbackKind.VISIT: timedelta(hours=2),
            CallbackKind.CONSULTATION: timedelta(hours=1),
            CallbackKind.OUTAGE: timedelta(hours=2),
        }
    )
    due_within: timedelta = timedelta(days=3)
    quiet: QuietHours = field(default_factory=QuietHours)
    max_attempts: int = 3
    # Share of consultations that get a callback, 0 to 1.
    consultation_sample: float = 0.1
    # Whether the automated survey call dials due tasks (else people call from the worklist).
    automated_calls: bool = False


# The ticket events that call for a callback. Visits add theirs when they are completed. An
# outage's customers get a follow-up like a repair's once the gas is back.
_TRIGGERS = {
    (TicketType.COMPLAINT, Action.RESOLVE): CallbackKind.COMPLAINT,
    (TicketType.REPAIR, Action.FIX): CallbackKind.REPAIR,
    (TicketType.OUTAGE, Action.FIX): CallbackKind.REPAIR,
    (TicketType.CONSULTATION, Action.RESOLVE): CallbackKind.CONSULTATION,
}


def callback_for(
    ticket_type: TicketType, action: Action, ticket_number: str, policy: CallbackPolicy
) -> CallbackKind | None:
    """The callback an action on a ticket calls for, if any: every resolved complaint, every
    fixed repair and restored outage; resolved consultations in the sample."""
    kind = _TRIGGERS.get((ticket_type, action))
    if kind is CallbackKind.CONSULTATION and not sampled(ticket_number, policy.consultation_sample):
        return None
    return kind


@dataclass(frozen=True)
class Schedule:
    not_before: datetime
    due_by: datetime


def schedule(
    kind: CallbackKind, event_at: datetime, policy: CallbackPolicy, tz: ZoneInfo
) -> Schedule:
    """When a task made for `event_at` (resolved, fixed, visited) may first be attempted and
    when it is due. An earliest attempt in the quiet hours moves to their end."""
    earliest = policy.quiet.next_allowed(event_at + policy.delays[kind], tz)
    return Schedule(not_before=earliest, due_by=event_at + policy.due_within)


def sampled(ticket_number: str, share: float) -> bool:
    """Whether a consultation is in the callback sample. Decided by its number, so that the
    same ticket gets the same answer after a restart or on another worker."""
    if share <= 0:
        return False
    if share >= 1:
        return True
    return zlib.crc32(ticket_number.encode()) % 10_000 < share * 10_000


def half_day(moment: datetime, tz: ZoneInfo) -> tuple[str, bool]:
    """The local date and whether it is the afternoon: two attempts in the same half-day
    reach the same routine, so retries must change it."""
    local = moment.astimezone(tz)
    return local.date().isoformat(), local.time() >= NOON


def next_attempt(
    attempts: Sequence[datetime], after: datetime, policy: CallbackPolicy, tz: ZoneInfo
) -> datetime | None:
    """The earliest moment from `after` that is outside the quiet hours and in a half-day none
    of the earlier attempts was in; None once the attempts are used up."""
    if len(attempts) >= policy.max_attempts:
        return None
    used = {half_day(at, tz) for at in attempts}
    candidate = policy.quiet.next_allowed(after, tz)
    # Each step moves to the next half-day; a week is far more than quiet hours can take.
    for _ in range(14):
        if half_day(candidate, tz) not in used:
            return candidate
        candidate = policy.quiet.next_allowed(_next_half_day(candidate, tz), tz)
    return None


def _next_half_day(moment: datetime, tz: ZoneInfo) -> datetime:
    local = moment.astimezone(tz)
    if local.time() < NOON:
        start = local.replace(hour=12, minute=0, second=0, microsecond=0)
    else:
        start = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(moment.tzinfo)


@dataclass(frozen=True)
class TaskState:
    status: TaskStatus
    not_before: datetime
    attempts: tuple[tuple[datetime, Outcome], ...] = ()


def outside_window(task: TaskState, at: datetime, policy: CallbackPolicy, tz: ZoneInfo) -> bool:
    """An attempt before the task's time (its not-before) or in the quiet hours."""
    local = at.astimezone(tz).time().replace(tzinfo=None)
    return at < task.not_before or policy.quiet.holds(local)


def record_attempt(
    task: TaskState,
    outcome: Outcome,
    at: datetime,
    policy: CallbackPolicy,
    tz: ZoneInfo,
    reason: str | None = None,
) -> TaskState:
    """The task after an attempt at `at` with `outcome`. An attempt outside the task's window
    (too early, or in the quiet hours) says why — the customer asked to be called then."""
    if task.status is not TaskStatus.PENDING:
        raise CallbackError("status", f"a task {task.status.value} takes no more attempts")
    if task.attempts and at < task.attempts[-1][0]:
        raise CallbackError("at", "an attempt cannot come before the previous one")
    if outside_window(task, at, policy, tz) and not (reason or "").strip():
        raise CallbackError("reason", N_("an attempt outside the callback's window needs a reason"))
    attempts = (*task.attempts, (at, outcome))
    if outcome is Outcome.REACHED:
        return TaskState(TaskStatus.IN_PROGRESS, task.not_before, attempts)
    if outcome is Outcome.REFUSED:
        return TaskState(TaskStatus.REFUSED, task.not_before, attempts)
    if outcome is Outcome.WRONG_NUMBER:
        return TaskState(TaskStatus.WRONG_NUMBER, task.not_before, attempts)
    retry = next_attempt([moment for moment, _ in attempts], at, policy, tz)
    if retry is None:
        return TaskState(TaskStatus.UNREACHABLE, task.not_before, attempts)
    return TaskState(TaskStatus.PENDING, retry, attempts)


@dataclass(frozen=True)
class Survey:
    score: int  # overall satisfaction, 1 to 5
    resolved: bool
    on_time: bool
    courtesy: int  # 1 to 5
    comment: str | None = None

    def check(self) -> None:
        for name, value in (("score", self.score), ("courtesy", self.courtesy)):
            if not 1 <= value <= 5:
                raise CallbackError(name, f"{name} is from 1 to 5")

    @property
    def unhappy(self) -> bool:
        """The ticket is reopened and the supervisor told."""
        return self.score <= 2 or not self.resolved


def record_survey(task: TaskState, survey: Survey) -> TaskState:
    survey.check()
    if task.status is not TaskStatus.IN_PROGRESS:
        raise CallbackError(
            "status", f"a survey needs a task in progress; this one is {task.status.value}"
        )
    return TaskState(TaskStatus.DONE, task.not_before, task.attempts)
