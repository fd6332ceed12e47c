"""Incidents in the database: announced (the rules checked first), moved through their steps,
joined by calls and tickets, and read — the ones where gas is off for a caller, who is
affected, the public list, and clusters of reports turned into suggestions. Every change is
audited; the use cases (hotline/application/incidents.py) own the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import (
    CallbackTask,
    Customer,
    CustomerAddress,
    CustomerPhone,
    Incident,
    IncidentLink,
    IncidentSuggestion,
    IvrSession,
    SlaClockRow,
    Ticket,
)
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.actor import Actor
from hotline.services.clock_rows import clock_from_row, write_clock
from hotline.services.errors import Conflict, Invalid, NotFound
from hotline.services.sms_outbox import Recipient
from hotline.services.tickets import ticket_numbered
from tickets import incidents as rules
from tickets.callbacks import REACHED
from tickets.incidents import Cause, Kind, Move, Plan, Status
from tickets.sms_sending import receives_sms
from tickets.types import TicketType
from tickets.workflow import OPEN_STATUSES

ENTITY = "incident"
# The reports that may mean gas is off in an area.
REPORT_TYPES = (TicketType.REPAIR.value, TicketType.OUTAGE.value)
AFFECTED_LISTED = 2000


def plan_of(incident: Incident) -> Plan:
    return Plan(
        kind=Kind(incident.kind),
        cause=Cause(incident.cause),
        areas=tuple(incident.areas),
        accounts=tuple(incident.accounts),
        reported_at=incident.reported_at,
        planned_start=incident.planned_start,
        planned_end=incident.planned_end,
        expected_restoration=incident.expected_restoration,
        short_notice_reason=incident.short_notice_reason,
    )


def clocks_of(incident: Incident) -> list[rules.Clock]:
    return rules.clocks(plan_of(incident), incident.started_at, incident.restored_at)


def short_notice(incident: Incident) -> bool:
    return (
        incident.kind == Kind.PLANNED.value
        and incident.planned_start is not None
        and rules.short_notice(incident.announced_at, incident.planned_start)
    )


def _fields(incident: Incident) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "kind": incident.kind,
        "cause": incident.cause,
        "title": incident.title,
        "areas": list(incident.areas),
        "accounts": list(incident.accounts),
        "reported_at": iso(incident.reported_at),
        "planned_start": iso(incident.planned_start),
        "planned_end": iso(incident.planned_end),
        "expected_restoration": iso(incident.expected_restoration),
        "short_notice_reason": incident.short_notice_reason,
        "status": incident.status,
    }


def _clean(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen.append(value)
    return seen


async def announce(
    session: AsyncSession,
    actor: Actor,
    plan: Plan,
    *,
    title: str,
    apology: str | None,
    agent_script: str | None,
    now: datetime,
) -> Incident:
    plan = Plan(
        plan.kind,
        plan.cause,
        tuple(_clean(plan.areas)),
        tuple(_clean(plan.accounts)),
        plan.reported_at,
        plan.planned_start,
        plan.planned_end,
        plan.expected_restoration,
        (plan.short_notice_reason or "").strip() or None,
    )
    try:
        rules.check_plan(plan, now)
    except rules.IncidentInvalid as refused:
        raise Invalid(N_("the outage cannot be announced like this"), refused.fields) from None
    if not title.strip():
        raise Invalid(N_("the outage cannot be announced like this"), {"title": N_("required")})
    incident = Incident(
        kind=plan.kind.value,
        cause=plan.cause.value,
        title=title.strip(),
        areas=list(plan.areas),
        accounts=list(plan.accounts),
        reported_at=plan.reported_at,
        planned_start=plan.planned_start,
        planned_end=plan.planned_end,
        expected_restoration=plan.expected_restoration,
        short_notice_reason=plan.short_notice_reason,
        apology=(apology or "").strip() or rules.DEFAULT_APOLOGY,
        agent_script=(agent_script or "").strip() or rules.DEFAULT_SCRIPT[plan.kind],
        status=Status.ANNOUNCED.value,
        announced_at=now,
        created_by=actor.username,
    )
    session.add(incident)
    await session.flush()
    assert incident.id is not None
    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity=ENTITY,
        key=str(incident.id),
        action="announce",
        after=_fields(incident),
        # A short notice is reported: the reason stands in the audit log and the KPI counts it.
        note=f"short notice: {plan.short_notice_reason}" if short_notice(incident) else None,
    )
    return incident


async def get(session: AsyncSession, incident_id: int) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(N_("no such outage"))
    return incident


STEP_TIME = {
    Status.UNDER_WAY: "started_at",
    Status.RESTORED: "restored_at",
    Status.RELIT: "relit_at",
    Status.CLOSED: "closed_at",
}


async def move(
    session: AsyncSession,
    actor: Actor,
    incident_id: int,
    step: Move,
    *,
    at: datetime | None,
    expected_restoration: datetime | None,
    now: datetime,
) -> Incident:
    """One step forward, at `at` (never in the future, never before the previous step)."""
    incident = await get(session, incident_id)
    status = Status(incident.status)
    try:
        after = rules.next_status(status, step)
    except rules.MoveNotAllowed:
        allowed = [m.value for m in rules.moves_from(status)]
        raise Conflict(N_("the outage is not at a step where this can be done"), allowed) from None
    when = at or now
    if when > now:
        raise Invalid(N_("the step cannot be dated in the future"), {"at": N_("in the future")})
    steps = (incident.started_at, incident.restored_at, incident.relit_at)
    floor = max((t for t in steps if t is not None), default=incident.reported_at)
    if when < floor:
        raise Invalid(N_("the step cannot be dated before the outage"), {"at": N_("too early")})
    before = _fields(incident)
    incident.status = after.value
    setattr(incident, STEP_TIME[after], when)
    if expected_restoration is not None:
        if expected_restoration < rules.clock_start(plan_of(incident)):
            raise Invalid(
                N_("the step cannot be dated before the outage"),
                {"expected_restoration": N_("cannot be before the outage starts")},
            )
        incident.expected_restoration = expected_restoration
    session.add(incident)
    await session.flush()
    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity=ENTITY,
        key=str(incident_id),
        action=step.value,
        before={"status": before["status"]},
        after={"status": after.value, STEP_TIME[after]: when.isoformat()},
    )
    return incident


async def list_incidents(
    session: AsyncSession, statuses: Sequence[Status] | None = None, limit: int = 200
) -> list[Incident]:
    statement = select(Incident)
    if statuses is not None:
        statement = statement.where(col(Incident.status).in_([s.value for s in statuses]))
    statement = statement.order_by(col(Incident.announced_at).desc()).limit(limit)
    return list((await session.exec(statement)).all())


@dataclass
class AffectedCustomer:
    customer: Customer
    addresses: list[CustomerAddress] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


@dataclass
class Affected:
    count: int
    special_care: list[AffectedCustomer]
    others: list[AffectedCustomer]


def affected_clause(incident: Incident) -> Any:
    clauses = []
    if incident.areas:
        in_area = select(CustomerAddress.customer_id).where(
            col(CustomerAddress.area).in_(incident.areas)
        )
        clauses.append(col(Customer.id).in_(in_area))
    if incident.accounts:
        clauses.append(col(Customer.account_number).in_(incident.accounts))
    return or_(*clauses) if clauses else col(Customer.id).is_(None)


async def affected_count(session: AsyncSession, incident: Incident) -> int:
    statement = select(func.count()).select_from(Customer).where(affected_clause(incident))
    return int((await session.exec(statement)).one())


async def affected(
    session: AsyncSession, incident: Incident, limit: int = AFFECTED_LISTED
) -> Affected:
    """The customers on file the outage affects, special-care ones apart (for a personal call)."""
    count = await affected_count(session, incident)
    statement = (
        select(Customer)
        .where(affected_clause(incident))
        .order_by(col(Customer.account_number))
        .limit(limit)
    )
    customers = list((await session.exec(statement)).all())
    files = {c.id: AffectedCustomer(c) for c in customers if c.id is not None}
    if files:
        for address in (
            await session.exec(
                select(CustomerAddress).where(col(CustomerAddress.customer_id).in_(files))
            )
        ).all():
            files[address.customer_id].addresses.append(address)
        for phone in (
            await session.exec(
                select(CustomerPhone).where(col(CustomerPhone.customer_id).in_(files))
            )
        ).all():
            files[phone.customer_id].phones.append(phone.number)
    listed = list(files.values())
    return Affected(
        count,
        [f for f in listed if f.customer.special_care],
        [f for f in listed if not f.customer.special_care],
    )


async def sms_recipients(session: AsyncSession, incident: Incident) -> list[Recipient]:
    """Every mobile number on the affected customers' files (all of them, not a page of the
    list): the notices go there. Fixed lines get none."""
    statement = (
        select(CustomerPhone.number, CustomerPhone.customer_id)
        .join(Customer, col(Customer.id) == col(CustomerPhone.customer_id))
        .where(affected_clause(incident))
        .order_by(col(CustomerPhone.customer_id), col(CustomerPhone.id))
    )
    return [
        Recipient(number, customer_id)
        for number, customer_id in (await session.exec(statement)).all()
        if receives_sms(number)
    ]


# ---------------------------------------------------------------- calls and tickets joining
async def link_call(
    session: AsyncSession, incident: Incident, linkedid: str, by: str, now: datetime
) -> bool:
    """The call joins the incident; False when it had already."""
    assert incident.id is not None
    if not _open_to_links(incident):
        raise Conflict(N_("the outage is over: calls no longer join it"))
    return await _add_link(
        session, incident, by, now, "link_call", {"call": linkedid}, call_linkedid=linkedid
    )


async def link_ticket(
    session: AsyncSession, incident: Incident, number: str, by: str, now: datetime
) -> bool:
    assert incident.id is not None
    if not _open_to_links(incident):
        raise Conflict(N_("the outage is over: calls no longer join it"))
    ticket = await ticket_numbered(session, number)
    return await _join_ticket(session, incident, ticket, by, now, {"ticket": number})


async def _join_ticket(
    session: AsyncSession,
    incident: Incident,
    ticket: Ticket,
    by: str,
    now: datetime,
    after: dict[str, str],
) -> bool:
    added = await _add_link(session, incident, by, now, "link_ticket", after, ticket_id=ticket.id)
    if not added:
        return False
    # The ticket's history says so too, where whoever opens the ticket looks.
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="ticket",
        key=ticket.number,
        action="join_incident",
        after={"incident": incident.id, "title": incident.title},
    )
    if ticket.type == TicketType.OUTAGE.value:
        await _clock_as_incident(session, ticket, incident, by, now)
    return True


# Who joins a ticket to an outage by the rule, not by a person's click.
JOINED_BY_RULE = "system"


async def _customer_place(session: AsyncSession, ticket: Ticket) -> tuple[list[str], str]:
    """Where the ticket is, as the outages know places: its own area, else the areas of its
    customer's addresses; and its customer's account."""
    if ticket.customer_id is None:
        return ([ticket.area] if ticket.area else []), ""
    customer = await session.get(Customer, ticket.customer_id)
    account = customer.account_number if customer is not None else ""
    if ticket.area:
        return [ticket.area], account
    areas = (
        await session.exec(
            select(CustomerAddress.area).where(
                col(CustomerAddress.customer_id) == ticket.customer_id
            )
        )
    ).all()
    return [area for area in areas if area], account


async def outages_for_ticket(
    session: AsyncSession, ticket: Ticket, now: datetime
) -> list[tuple[Incident, rules.Joining]]:
    """The public outages over the ticket's place or naming its customer's account, with what
    the rule (tickets/incidents.py `joining`) says of the ticket for each; the latest announced
    first, those it has nothing to do with left out."""
    areas, account = await _customer_place(session, ticket)
    if not areas and not account:
        return []
    found: list[tuple[Incident, rules.Joining]] = []
    for incident in await list_incidents(session, sorted(rules.PUBLIC)):
        if not rules.affects(incident.areas, incident.accounts, areas, account):
            continue
        decided = rules.joining(
            TicketType(ticket.type), ticket.subtype, plan_of(incident), Status(incident.status), now
        )
        if decided is not rules.Joining.NONE:
            found.append((incident, decided))
    return found


async def join_new_ticket(session: AsyncSession, ticket: Ticket, now: datetime) -> Incident | None:
    """A ticket just filed joins the outage the rule joins it to (the latest announced of
    them), audited on both; the outage it joined, if any."""
    for incident, decided in await outages_for_ticket(session, ticket, now):
        if decided is rules.Joining.JOIN:
            after = {"ticket": ticket.number, "rule": "filed in the outage's area"}
            await _join_ticket(session, incident, ticket, JOINED_BY_RULE, now, after)
            return incident
    return None


@dataclass(frozen=True)
class TicketOutage:
    """An outage as a ticket's page shows it: joined, or only "in an outage area"."""

    incident: Incident
    joined: bool


async def ticket_outages(
    session: AsyncSession, ticket: Ticket, now: datetime
) -> list[TicketOutage]:
    """The outages the ticket joined, then those whose area it is in that the rule leaves to
    the dispatcher."""
    joined_ids = (
        await session.exec(
            select(IncidentLink.incident_id).where(col(IncidentLink.ticket_id) == ticket.id)
        )
    ).all()
    joined = []
    if joined_ids:
        joined = list(
            (await session.exec(select(Incident).where(col(Incident.id).in_(joined_ids)))).all()
        )
    flagged = [
        incident
        for incident, decided in await outages_for_ticket(session, ticket, now)
        if decided is rules.Joining.FLAG and incident.id not in joined_ids
    ]
    return [TicketOutage(i, True) for i in joined] + [TicketOutage(i, False) for i in flagged]


def ticket_outage_json(found: TicketOutage) -> dict[str, Any]:
    return {
        "id": found.incident.id,
        "title": found.incident.title,
        "status": found.incident.status,
        "joined": found.joined,
    }


async def flagged_tickets(
    session: AsyncSession, incident: Incident, now: datetime, limit: int = 200
) -> list[Ticket]:
    """Tickets filed in the outage's place since it was announced that the rule leaves to the
    dispatcher (a gas smell, another repair, a complaint): not joined, shown "in an outage
    area". Open ones only, the latest first."""
    if not _open_to_links(incident):
        return []
    place: list[Any] = []
    if incident.areas:
        in_area = select(CustomerAddress.customer_id).where(
            col(CustomerAddress.area).in_(incident.areas)
        )
        place.append(col(Ticket.area).in_(incident.areas))
        place.append(col(Ticket.area).is_(None) & col(Ticket.customer_id).in_(in_area))
    if incident.accounts:
        named = select(Customer.id).where(col(Customer.account_number).in_(incident.accounts))
        place.append(col(Ticket.customer_id).in_(named))
    if not place:
        return []
    joined = select(IncidentLink.ticket_id).where(
        col(IncidentLink.incident_id) == incident.id, col(IncidentLink.ticket_id).is_not(None)
    )
    candidates = (
        await session.exec(
            select(Ticket)
            .where(
                or_(*place),
                col(Ticket.received_at) >= incident.announced_at,
                col(Ticket.status).in_([status.value for status in OPEN_STATUSES]),
                col(Ticket.id).not_in(joined),
                col(Ticket.type).in_(
                    [TicketType.REPAIR.value, TicketType.COMPLAINT.value, TicketType.OUTAGE.value]
                ),
            )
            .order_by(col(Ticket.received_at).desc())
            .limit(limit)
        )
    ).all()
    plan, status = plan_of(incident), Status(incident.status)
    return [
        ticket
        for ticket in candidates
        if rules.joining(TicketType(ticket.type), ticket.subtype, plan, status, now)
        is rules.Joining.FLAG
    ]


async def _add_link(
    session: AsyncSession,
    incident: Incident,
    by: str,
    now: datetime,
    action: str,
    after: dict[str, str],
    *,
    call_linkedid: str | None = None,
    ticket_id: int | None = None,
) -> bool:
    """One call or one ticket joins the incident, audited; False when it had already."""
    assert incident.id is not None
    joined = (
        col(IncidentLink.call_linkedid) == call_linkedid
        if call_linkedid is not None
        else col(IncidentLink.ticket_id) == ticket_id
    )
    existing = select(IncidentLink.id).where(col(IncidentLink.incident_id) == incident.id, joined)
    if (await session.exec(existing)).first() is not None:
        return False
    session.add(
        IncidentLink(
            incident_id=incident.id,
            ticket_id=ticket_id,
            call_linkedid=call_linkedid,
            linked_by=by,
            linked_at=now,
        )
    )
    await audit.record(
        session, at=now, actor=by, entity=ENTITY, key=str(incident.id), action=action, after=after
    )
    return True


async def _clock_as_incident(
    session: AsyncSession, ticket: Ticket, incident: Incident, by: str, now: datetime
) -> None:
    """The outage ticket's handle and restore clocks follow the incident's (audited)."""
    rows = (
        await session.exec(select(SlaClockRow).where(col(SlaClockRow.ticket_id) == ticket.id))
    ).all()
    incident_clocks = clocks_of(incident)
    for row in rows:
        before = clock_from_row(row)
        after = rules.follow_incident(before, incident_clocks)
        if after == before:
            continue
        session.add(write_clock(row, after))
        await audit.record(
            session,
            at=now,
            actor=by,
            entity="ticket",
            key=ticket.number,
            action="clock_follows_incident",
            before={"clock": row.name, "due_at": before.due_at.isoformat()},
            after={"clock": row.name, "due_at": after.due_at.isoformat(), "incident": incident.id},
        )


def _open_to_links(incident: Incident) -> bool:
    return Status(incident.status) in rules.PUBLIC


@dataclass(frozen=True)
class Links:
    calls: list[IncidentLink]
    tickets: list[tuple[IncidentLink, Ticket]]
    # Callers who heard the notice in the voice menu, and those let go without an agent.
    heard_notice: int
    deflected: int
    # The callers' follow-up callbacks (made once the outage is relit), and those reached.
    follow_ups: int = 0
    follow_ups_reached: int = 0


async def links(session: AsyncSession, incident_id: int) -> Links:
    rows = (
        await session.exec(
            select(IncidentLink)
            .where(col(IncidentLink.incident_id) == incident_id)
            .order_by(col(IncidentLink.linked_at))
        )
    ).all()
    ticket_ids = [row.ticket_id for row in rows if row.ticket_id is not None]
    tickets = {
        t.id: t
        for t in (await session.exec(select(Ticket).where(col(Ticket.id).in_(ticket_ids)))).all()
    }
    heard, deflected = await ivr_counts(session, incident_id)
    reached = case((col(CallbackTask.status).in_([s.value for s in REACHED]), 1), else_=0)
    follow_ups, got_through = (
        await session.exec(
            select(func.count(), func.coalesce(func.sum(reached), 0)).where(
                col(CallbackTask.incident_id) == incident_id
            )
        )
    ).one()
    return Links(
        [row for row in rows if row.call_linkedid is not None],
        [(row, tickets[row.ticket_id]) for row in rows if row.ticket_id in tickets],
        heard,
        deflected,
        int(follow_ups),
        int(got_through),
    )


async def ivr_counts(session: AsyncSession, incident_id: int) -> tuple[int, int]:
    called = func.coalesce(func.sum(case((col(IvrSession.outage_call), 1), else_=0)), 0)
    statement = select(func.count(), called).where(
        col(IvrSession.announced_incident_id) == incident_id
    )
    heard, deflected = (await session.exec(statement)).one()
    return int(heard), int(deflected)


# ---------------------------------------------------------------- KPI
async def notice_leads(session: AsyncSession, since: datetime, until: datetime) -> list[timedelta]:
    """Notice lead times of the planned outages that started in [since, until)."""
    statement = select(Incident.announced_at, Incident.planned_start).where(
        col(Incident.kind) == Kind.PLANNED.value,
        col(Incident.planned_start) >= since,
        col(Incident.planned_start) < until,
    )
    return [
        rules.notice_lead(announced, start)
        for announced, start in (await session.exec(statement)).all()
        if start is not None
    ]


# ---------------------------------------------------------------- suggestions
async def scan_clusters(
    session: AsyncSession, policy: rules.ClusterPolicy, now: datetime
) -> list[IncidentSuggestion]:
    """Record a suggestion for each area whose recent reports cross the policy's threshold
    and that no open incident or pending suggestion covers yet."""
    since = now - timedelta(minutes=policy.minutes)
    reports = (
        await session.exec(
            select(Ticket.area, Ticket.received_at).where(
                col(Ticket.type).in_(REPORT_TYPES),
                col(Ticket.received_at) >= since,
                col(Ticket.area).is_not(None),
            )
        )
    ).all()
    covered: set[str] = set()
    for incident in await list_incidents(session, sorted(rules.PUBLIC)):
        covered.update(incident.areas)
    pending = select(IncidentSuggestion.area).where(col(IncidentSuggestion.status) == "pending")
    covered.update((await session.exec(pending)).all())
    found = rules.clusters(
        [rules.Report(area, at) for area, at in reports if area], now, policy, covered
    )
    made = [
        IncidentSuggestion(
            area=cluster.area,
            reports=cluster.reports,
            first_at=cluster.first_at,
            last_at=cluster.last_at,
            created_at=now,
        )
        for cluster in found
    ]
    session.add_all(made)
    await session.flush()
    return made


async def pending_suggestions(session: AsyncSession) -> list[IncidentSuggestion]:
    statement = (
        select(IncidentSuggestion)
        .where(col(IncidentSuggestion.status) == "pending")
        .order_by(col(IncidentSuggestion.created_at).desc())
    )
    return list((await session.exec(statement)).all())


async def decide(
    session: AsyncSession,
    actor: Actor,
    suggestion_id: int,
    decision: str,
    into: int | None,
    now: datetime,
) -> tuple[IncidentSuggestion, Incident | None]:
    """Confirm (an unplanned incident for the area), merge (the area joins incident `into`)
    or dismiss a pending suggestion."""
    suggestion = await session.get(IncidentSuggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(N_("no such suggestion"))
    if suggestion.status != "pending":
        raise Conflict(N_("the suggestion was already decided"))
    incident: Incident | None = None
    if decision == "confirm":
        plan = Plan(
            Kind.UNPLANNED, Cause.EMERGENCY_REPAIR, (suggestion.area,), (), suggestion.first_at
        )
        incident = await announce(
            session, actor, plan, title=suggestion.area, apology=None, agent_script=None, now=now
        )
    elif decision == "merge":
        if into is None:
            raise Invalid(N_("say which outage it joins"), {"incident": N_("required")})
        incident = await get(session, into)
        if suggestion.area not in incident.areas:
            before = list(incident.areas)
            incident.areas = [*incident.areas, suggestion.area]
            session.add(incident)
            await audit.record_changes(
                session,
                at=now,
                actor=actor.username,
                entity=ENTITY,
                key=str(into),
                before={"areas": before},
                after={"areas": list(incident.areas)},
            )
    elif decision != "dismiss":
        raise Invalid(N_("unknown decision"), {"decision": N_("confirm, merge or dismiss")})
    suggestion.status = {"confirm": "confirmed", "merge": "merged"}.get(decision, "dismissed")
    suggestion.incident_id = incident.id if incident is not None else None
    suggestion.decided_by = actor.username
    suggestion.decided_at = now
    session.add(suggestion)
    await audit.record(
        session,
        at=now,
        actor=actor.username,
        entity="incident_suggestion",
        key=str(suggestion_id),
        action=decision,
        after={"incident": suggestion.incident_id},
    )
    return suggestion, incident


@dataclass(frozen=True)
class Outages:
    """What the dispatch board and the wallboard show of outages."""

    active: list[Incident]
    suggested: list[IncidentSuggestion]


async def outages_now(session: AsyncSession) -> Outages:
    return Outages(
        await list_incidents(session, sorted(rules.GAS_OFF)), await pending_suggestions(session)
    )


def outage_json(incident: Incident, tz: ZoneInfo) -> dict[str, Any]:
    """An incident in a board's brief: no customer data."""
    back = rules.expected_back(plan_of(incident))
    return {
        "id": incident.id,
        "title": incident.title,
        "kind": incident.kind,
        "cause": incident.cause,
        "status": incident.status,
        "areas": list(incident.areas),
        "planned_start": incident.planned_start.astimezone(tz).isoformat()
        if incident.planned_start
        else None,
        "expected_restoration": back.astimezone(tz).isoformat(),
    }


def suggestion_json(suggestion: IncidentSuggestion, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": suggestion.id,
        "area": suggestion.area,
        "reports": suggestion.reports,
        "first_at": suggestion.first_at.astimezone(tz).isoformat(),
        "last_at": suggestion.last_at.astimezone(tz).isoformat(),
        "status": suggestion.status,
        "incident": suggestion.incident_id,
    }
