"""Gas outages as incidents: what one is (planned or not, its cause, where, when), the 48-hour
notice rule for planned ones, its clocks, the steps it goes through, and the rule that
suggests one when no-gas reports pile up in one area.

A planned interruption (pipeline inspection, maintenance) must be announced at least 48 hours
before it starts (Regulation on Urban Gas Management, art. 20); a shorter notice is refused
unless it is an emergency repair with a reason, and then it is kept as a short notice for the
reports. A planned outage's clocks run from its planned start and its restore clock is due at
its planned end; an unplanned one (accident, emergency repair) keeps the 6 h / 24 h clocks from
its report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from tickets import sla
from tickets.types import GAS_SMELL, TicketType
from tickets.wording import N_

NOTICE_AHEAD = timedelta(hours=48)
HANDLE_WITHIN = timedelta(hours=6)
# The outage ticket's subtype for planned work.
PLANNED_OUTAGE = "planned"
RESTORE_WITHIN = timedelta(hours=24)


class Kind(StrEnum):
    PLANNED = "planned"
    UNPLANNED = "unplanned"


class Cause(StrEnum):
    PIPELINE_INSPECTION = "pipeline_inspection"
    MAINTENANCE = "maintenance"
    ACCIDENT = "accident"
    EMERGENCY_REPAIR = "emergency_repair"


CAUSES: dict[Kind, frozenset[Cause]] = {
    Kind.PLANNED: frozenset({Cause.PIPELINE_INSPECTION, Cause.MAINTENANCE}),
    Kind.UNPLANNED: frozenset({Cause.ACCIDENT, Cause.EMERGENCY_REPAIR}),
}


class Status(StrEnum):
    ANNOUNCED = "announced"
    UNDER_WAY = "under_way"
    RESTORED = "restored"
    RELIT = "relit"
    CLOSED = "closed"


class Move(StrEnum):
    START = "start"
    RESTORE = "restore"
    RELIGHT = "relight"
    CLOSE = "close"


TRANSITIONS: dict[tuple[Status, Move], Status] = {
    (Status.ANNOUNCED, Move.START): Status.UNDER_WAY,
    (Status.UNDER_WAY, Move.RESTORE): Status.RESTORED,
    (Status.RESTORED, Move.RELIGHT): Status.RELIT,
    (Status.RELIT, Move.CLOSE): Status.CLOSED,
}

# Gas is off, or about to be: callers from the area hear of it, calls and tickets join it.
GAS_OFF = frozenset({Status.ANNOUNCED, Status.UNDER_WAY})
# Listed on the public page and feeds: planned, going on, or back but not yet relit.
PUBLIC = frozenset({Status.ANNOUNCED, Status.UNDER_WAY, Status.RESTORED})

DEFAULT_APOLOGY = N_("We apologise for the interruption of your gas supply.")
DEFAULT_SCRIPT: dict[Kind, str] = {
    Kind.PLANNED: N_(
        "Tell the caller the gas is off for planned work in their area, when it should be back, "
        "and apologise. Do not open a repair ticket: link the call to the outage."
    ),
    Kind.UNPLANNED: N_(
        "Tell the caller the cause of the outage, that crews are repairing it and when gas "
        "should be back, and apologise. Link the call to the outage instead of a repair ticket."
    ),
}


class IncidentInvalid(ValueError):
    """Refused: `fields` says which field and why (messages for translation)."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(f"{name}: {why}" for name, why in fields.items()))
        self.fields = fields


class MoveNotAllowed(ValueError):
    def __init__(self, status: Status, move: Move) -> None:
        super().__init__(f"an incident that is {status} cannot {move}")
        self.status = status
        self.move = move


@dataclass(frozen=True)
class Plan:
    """An incident as entered. Unplanned ones are dated by their report; planned ones by their
    planned start and end. Times are aware datetimes."""

    kind: Kind
    cause: Cause
    areas: tuple[str, ...]
    accounts: tuple[str, ...]
    reported_at: datetime
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    expected_restoration: datetime | None = None
    # Why a planned outage is announced less than 48 h ahead (an emergency repair).
    short_notice_reason: str | None = None


def check_plan(plan: Plan, now: datetime) -> None:
    """Raise IncidentInvalid with every problem of the plan at once."""
    problems: dict[str, str] = {}
    if plan.cause not in CAUSES[plan.kind]:
        problems["cause"] = N_("this cause does not go with this kind of outage")
    if not any(area.strip() for area in plan.areas) and not any(a.strip() for a in plan.accounts):
        problems["areas"] = N_("name the areas or the accounts affected")
    if plan.reported_at > now:
        problems["reported_at"] = N_("cannot be in the future")
    if plan.kind is Kind.PLANNED:
        if plan.planned_start is None:
            problems["planned_start"] = N_("a planned outage needs its planned start")
        if plan.planned_end is None:
            problems["planned_end"] = N_("a planned outage needs its planned end")
        if plan.planned_start is not None and plan.planned_end is not None:
            if plan.planned_end <= plan.planned_start:
                problems["planned_end"] = N_("must be after the planned start")
            elif short_notice(now, plan.planned_start) and not (
                plan.short_notice_reason and plan.short_notice_reason.strip()
            ):
                problems["planned_start"] = N_(
                    "a planned outage is announced at least 48 hours before it starts; "
                    "a shorter notice needs an emergency repair's reason"
                )
    elif (
        plan.planned_start is not None
        and plan.planned_end is not None
        and plan.planned_end <= plan.planned_start
    ):
        problems["planned_end"] = N_("must be after the planned start")
    start = clock_start(plan)
    if plan.expected_restoration is not None and plan.expected_restoration < start:
        problems["expected_restoration"] = N_("cannot be before the outage starts")
    if problems:
        raise IncidentInvalid(problems)


def short_notice(announced_at: datetime, planned_start: datetime) -> bool:
    return notice_lead(announced_at, planned_start) < NOTICE_AHEAD


def notice_lead(announced_at: datetime, planned_start: datetime) -> timedelta:
    """How long before its start an outage was announced (negative: after it started)."""
    return planned_start - announced_at


def notice_share(leads: Iterable[timedelta]) -> float | None:
    """The KPI: the share of planned outages announced at least 48 h ahead; None for none."""
    counted = list(leads)
    if not counted:
        return None
    return sum(1 for lead in counted if lead >= NOTICE_AHEAD) / len(counted)


def next_status(status: Status, move: Move) -> Status:
    found = TRANSITIONS.get((status, move))
    if found is None:
        raise MoveNotAllowed(status, move)
    return found


def moves_from(status: Status) -> list[Move]:
    return [move for (start, move) in TRANSITIONS if start is status]


# ---------------------------------------------------------------- clocks
class ClockName(StrEnum):
    HANDLE = "handle"
    RESTORE = "restore"


class ClockState(StrEnum):
    # A planned outage's clocks wait for its planned start.
    SCHEDULED = "scheduled"
    RUNNING = "running"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class Clock:
    name: ClockName
    starts_at: datetime
    due_at: datetime
    stopped_at: datetime | None

    def state(self, now: datetime) -> ClockState:
        if self.stopped_at is not None:
            return ClockState.MET if self.stopped_at <= self.due_at else ClockState.BREACHED
        if now < self.starts_at:
            return ClockState.SCHEDULED
        return ClockState.RUNNING if now < self.due_at else ClockState.BREACHED


def clock_start(plan: Plan) -> datetime:
    """Planned outages are clocked from their planned start, unplanned ones from the report."""
    if plan.kind is Kind.PLANNED and plan.planned_start is not None:
        return plan.planned_start
    return plan.reported_at


def clocks(plan: Plan, started_at: datetime | None, restored_at: datetime | None) -> list[Clock]:
    """Handle (work under way within 6 h of the start) and restore (gas back by the planned
    end; 24 h from the report when unplanned)."""
    start = clock_start(plan)
    if plan.kind is Kind.PLANNED and plan.planned_end is not None:
        restore_due = plan.planned_end
    else:
        restore_due = start + RESTORE_WITHIN
    return [
        Clock(ClockName.HANDLE, start, start + HANDLE_WITHIN, started_at),
        Clock(ClockName.RESTORE, start, restore_due, restored_at),
    ]


def expected_back(plan: Plan) -> datetime:
    """When gas should be back: what the dispatcher expects, else the restore clock's due."""
    if plan.expected_restoration is not None:
        return plan.expected_restoration
    return clocks(plan, None, None)[1].due_at


# An outage ticket's clocks that an incident's clocks stand for.
TICKET_CLOCKS = {sla.ClockName.HANDLE: ClockName.HANDLE, sla.ClockName.RESTORE: ClockName.RESTORE}


def follow_incident(clock: sla.Clock, incident_clocks: Sequence[Clock]) -> sla.Clock:
    """An outage ticket joined to an incident is clocked as the incident is: a planned
    outage's ticket from the planned start, not from the day it was entered. A clock already
    stopped or breached keeps what happened to it; a retimed one starts a new run (warned
    afresh)."""
    name = TICKET_CLOCKS.get(clock.name)
    matching = [c for c in incident_clocks if c.name is name]
    if not matching or clock.is_stopped or clock.breached_at is not None:
        return clock
    incident = matching[0]
    return replace(
        clock,
        started_at=incident.starts_at,
        target_due_at=incident.due_at,
        original_due_at=incident.due_at,
        basis=sla.DueBasis.POLICY,
        warned_at=None,
    )


# ---------------------------------------------------------------- who is affected
def affects(
    areas: Iterable[str], accounts: Iterable[str], customer_areas: Iterable[str], account: str
) -> bool:
    """A customer is affected when one of their addresses is in an affected area, or their
    account is named."""
    named = {a.strip() for a in areas if a.strip()}
    return account in set(accounts) or any(area in named for area in customer_areas)


# ---------------------------------------------------------------- new tickets in an outage's area
class Joining(StrEnum):
    """What a ticket filed in an outage's area (or on an account it names) has to do with it."""

    # Joined to the outage automatically: it is the no-gas report the outage answers.
    JOIN = "join"
    # Left as it is, marked "in an outage area" for the dispatcher to decide.
    FLAG = "flag"
    NONE = "none"


def gas_off_now(plan: Plan, status: Status, now: datetime) -> bool:
    """Whether the outage has the gas off for its customers at `now`: started, or announced
    and past its start (an unplanned one is off from its report), or restored but not yet
    relit — the meters stay shut until each relighting visit."""
    if status in (Status.UNDER_WAY, Status.RESTORED):
        return True
    return status is Status.ANNOUNCED and clock_start(plan) <= now


def joining(
    ticket_type: TicketType, subtype: str | None, plan: Plan, status: Status, now: datetime
) -> Joining:
    """What a dispatcher expects of a ticket filed in the outage's area:

    * an outage ticket (no gas) joins the outage when the outage explains it: the gas is off
      now, or the ticket is the planned outage entered as a ticket (its clocks then run from
      the planned start). An unplanned no-gas report while a planned outage has not started
      yet is something else: flagged;
    * a gas smell is never absorbed — it is an emergency with its own crew whatever else is
      going on, and a smell around an outage (air in the pipes, a burner left open when the
      gas came back) is exactly when it matters: flagged only;
    * other repairs (a network fault, an appliance that will not light) may be the outage or a
      fault of their own, which only the dispatcher can tell: flagged;
    * a complaint keeps its own confidential procedure; flagged, for the context;
    * a consultation is not about the gas being off (a caller asking about the outage is
      joined by their call, from the pop): nothing.

    An outage no longer public (relit, closed) takes nothing."""
    if status not in PUBLIC:
        return Joining.NONE
    if subtype == GAS_SMELL:
        return Joining.FLAG
    if ticket_type is TicketType.OUTAGE:
        planned_for_planned = subtype == PLANNED_OUTAGE and plan.kind is Kind.PLANNED
        if planned_for_planned or gas_off_now(plan, status, now):
            return Joining.JOIN
        return Joining.FLAG
    if ticket_type in (TicketType.REPAIR, TicketType.COMPLAINT):
        return Joining.FLAG
    return Joining.NONE


# ---------------------------------------------------------------- clustering
@dataclass(frozen=True)
class ClusterPolicy:
    """N no-gas or repair reports from one area within M minutes suggest an incident."""

    reports: int = 5
    minutes: int = 30


@dataclass(frozen=True)
class Report:
    area: str
    at: datetime


@dataclass(frozen=True)
class Cluster:
    area: str
    reports: int
    first_at: datetime
    last_at: datetime


def clusters(
    reports: Sequence[Report], now: datetime, policy: ClusterPolicy, covered: Iterable[str]
) -> list[Cluster]:
    """Areas with at least `policy.reports` reports in the last `policy.minutes`, leaving out
    areas an incident or a pending suggestion already covers; the busiest area first."""
    since = now - timedelta(minutes=policy.minutes)
    skip = set(covered)
    by_area: dict[str, list[datetime]] = {}
    for report in reports:
        if report.area and report.area not in skip and since <= report.at <= now:
            by_area.setdefault(report.area, []).append(report.at)
    found = [
        Cluster(area, len(times), min(times), max(times))
        for area, times in by_area.items()
        if len(times) >= policy.reports
    ]
    return sorted(found, key=lambda cluster: (-cluster.reports, cluster.area))
