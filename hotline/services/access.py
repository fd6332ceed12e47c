"""The access rules (tickets/access.py) at the service edge: a ticket row as the rules know it,
and a refusal as the error the adapters show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Ticket, User
from hotline.i18n import N_
from hotline.services.actor import Actor
from hotline.services.errors import Forbidden, Invalid
from tickets import access
from tickets.types import TicketType
from tickets.workflow import Role

REFUSALS: dict[access.Refusal, str] = {
    access.Refusal.ROLE: N_("your role may not do this to the ticket"),
    access.Refusal.RECUSED: N_("you are named in this complaint and take no part in it"),
    access.Refusal.NOT_YOUR_WORK_ORDER: N_("this work order is not yours"),
    access.Refusal.NOT_QUALITY_WORK: N_(
        "quality staff work complaints; on other tickets they give feedback and close"
    ),
    access.Refusal.OTHER_DEPARTMENT: N_("this complaint belongs to another department"),
    access.Refusal.CONFIDENTIAL: N_("this complaint is confidential"),
    access.Refusal.NOT_FIELD_WORK: N_("photos of the work go with repairs and outages"),
}
NAMED_CANNOT_TAKE_ON = N_("staff named in a complaint cannot be assigned to it")


def facts_of(ticket: Ticket, assignee: User | None) -> access.TicketFacts:
    """The ticket as the access rules know it; `assignee` is the ticket's assignee's row."""
    return access.TicketFacts(
        type=TicketType(ticket.type),
        department=ticket.department_id,
        assignee=assignee.username if assignee else None,
        created_by=ticket.created_by,
        named_staff=frozenset(ticket.named_staff),
    )


async def check_ticket_access(
    session: AsyncSession, actor: Actor, ticket: Ticket, deed: access.Deed
) -> None:
    """Refuse `deed` on the ticket row to whom the access rules refuse it (its assignee's
    row read from the database)."""
    assignee = await session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    check_access(actor, facts_of(ticket, assignee), deed)


def staff_of(user: User) -> access.Staff:
    return access.Staff(user.username, Role(user.role), user.department_id)


def check_access(actor: Actor, facts: access.TicketFacts, deed: access.Deed) -> None:
    """Refuse what the access rules refuse, saying why."""
    decision = access.decide(actor.staff, facts, deed)
    if decision.reason is not None:
        raise Forbidden(REFUSALS[decision.reason])


def check_may_take_on(facts: access.TicketFacts, user: User, field: str = "assignee") -> None:
    """Nobody hands a complaint (its callback, a visit for it) to staff it names (回避)."""
    if not access.decide(staff_of(user), facts, access.Use.TAKE_ON):
        raise Invalid(NAMED_CANNOT_TAKE_ON, {field: NAMED_CANNOT_TAKE_ON})


# The key under which a ticket event carries its ticket's facts, for the live feed to decide
# per subscriber what they may see of it; the feed strips it before sending.
FACTS_KEY = "_access"


def facts_json(facts: access.TicketFacts) -> dict[str, Any]:
    """The facts in an event's data (JSON: events cross workers through PostgreSQL)."""
    return {
        "type": facts.type.value,
        "department": facts.department,
        "assignee": facts.assignee,
        "created_by": facts.created_by,
        "named_staff": sorted(facts.named_staff),
    }


def facts_from_json(data: dict[str, Any]) -> access.TicketFacts:
    return access.TicketFacts(
        type=TicketType(data["type"]),
        department=data.get("department"),
        assignee=data.get("assignee"),
        created_by=data.get("created_by"),
        named_staff=frozenset(data.get("named_staff") or ()),
    )


async def complainants_hidden(
    session: AsyncSession, actor: Actor, tickets: Sequence[Ticket]
) -> set[int]:
    """The ids of those tickets whose complainant `actor` may not see (tickets/access.py):
    what leads from a customer or a call to such a complaint is not shown to them either."""
    complaints = [ticket for ticket in tickets if ticket.type == TicketType.COMPLAINT.value]
    assignee_ids = {t.assignee_id for t in complaints if t.assignee_id is not None}
    assignees: dict[int | None, User] = {}
    if assignee_ids:
        found = await session.exec(select(User).where(col(User.id).in_(assignee_ids)))
        assignees = {user.id: user for user in found.all()}
    return {
        ticket.id
        for ticket in complaints
        if ticket.id is not None
        and not access.decide(
            actor.staff,
            facts_of(ticket, assignees.get(ticket.assignee_id)),
            access.Use.SEE_COMPLAINANT,
        )
    }
