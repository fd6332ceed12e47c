"""Who may do what to which ticket: the one place that decides it, from the person's role,
department and name and the ticket's type, department, assignee, creator and named staff.

Every use case, route, page, service and script asks here; the role table it starts from is
tickets/workflow.py's (what each role may ever do), and this module adds what the relation to
the ticket changes:

- Staff named in a complaint take no part in it (与投诉人或者投诉事项有直接利害关系的应当回避):
  no action, no callback, no survey, neither the complainant nor the description, whatever their
  role; and nobody can hand it to them.
- A technician acts only on his own work orders.
- Quality staff handle complaints: on other work they give feedback and close, no more (an
  unhappy survey reopens a ticket as part of the survey, not as a quality staff member's act).
- An agent or a dispatcher works another department's complaint only when it is his: else he
  may pass it on, no more.
- Complaints are confidential: only complaint readers and whoever took or holds the complaint
  see the complainant (不得泄露、扩散投诉人要求保密的内容).
- Photos of the work go with field work (repairs, outages): those who dispatch it attach them,
  and a technician to his own work orders; whoever may read the ticket sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tickets.types import TicketType
from tickets.workflow import (
    ACTION_ROLES,
    CALLBACK_STAFF,
    CALLERS,
    COMPLAINT_READERS,
    DISPATCHERS,
    FIELD_STAFF,
    FIELD_WORK,
    Action,
    Role,
    TicketSnapshot,
)
from tickets.workflow import allowed_actions as actions_in_state


class Use(StrEnum):
    """What one can do with a ticket besides the workflow's actions."""

    SEE_COMPLAINANT = "see_complainant"
    SEE_DESCRIPTION = "see_description"
    # Place a call to the ticket's customer (click-to-call from the ticket).
    CALL = "call"
    # Hold, attempt or survey the ticket's follow-up callback.
    CALLBACK = "callback"
    # Book a visit to the ticket's customer.
    BOOK_VISIT = "book_visit"
    # Be given the ticket (or its callback, or a visit for it) to handle.
    TAKE_ON = "take_on"
    # Attach a photo of the work done, and see those attached.
    ATTACH_PHOTO = "attach_photo"
    SEE_PHOTOS = "see_photos"


class Refusal(StrEnum):
    """Why: a key the adapters turn into words."""

    ROLE = "role"
    RECUSED = "recused"
    NOT_YOUR_WORK_ORDER = "not_your_work_order"
    NOT_QUALITY_WORK = "not_quality_work"
    OTHER_DEPARTMENT = "other_department"
    CONFIDENTIAL = "confidential"
    NOT_FIELD_WORK = "not_field_work"


Deed = Action | Use

# Who works complaints of their own department (or held by them) only.
_DESKS = frozenset({Role.AGENT, Role.DISPATCHER})
# What they may still do on another department's complaint they do not hold: pass it on.
_ELSEWHERE = frozenset({Action.ASSIGN})
# What quality staff may do on tickets other than complaints: the caller's feedback, closing.
_QUALITY_ON_OTHER_WORK = frozenset({Action.FEEDBACK, Action.CLOSE})


@dataclass(frozen=True)
class Staff:
    """The person asking."""

    username: str
    role: Role
    department: int | None = None


@dataclass(frozen=True)
class TicketFacts:
    """What the decision needs to know of a ticket."""

    type: TicketType
    department: int | None
    assignee: str | None
    created_by: str | None
    named_staff: frozenset[str] = frozenset()


# A caller who joined an outage only by their call has no ticket: their follow-up callback is
# decided as an outage ticket's would be — no department, nobody holding it, nobody named.
OUTAGE_CALLER = TicketFacts(type=TicketType.OUTAGE, department=None, assignee=None, created_by=None)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Refusal | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def _refused(reason: Refusal) -> Decision:
    return Decision(False, reason)


def is_named(staff: Staff, ticket: TicketFacts) -> bool:
    return staff.username in ticket.named_staff


def _involved(staff: Staff, ticket: TicketFacts) -> bool:
    return staff.username in (ticket.assignee, ticket.created_by)


def _may_see_complainant(staff: Staff, ticket: TicketFacts) -> Decision:
    if ticket.type is not TicketType.COMPLAINT:
        return ALLOWED
    if staff.role in COMPLAINT_READERS or _involved(staff, ticket):
        return ALLOWED
    return _refused(Refusal.CONFIDENTIAL)


def _may_act(staff: Staff, ticket: TicketFacts, action: Action) -> Decision:
    if staff.role not in ACTION_ROLES[action]:
        return _refused(Refusal.ROLE)
    if staff.role is Role.TECHNICIAN and ticket.assignee != staff.username:
        return _refused(Refusal.NOT_YOUR_WORK_ORDER)
    if (
        staff.role is Role.QUALITY
        and ticket.type is not TicketType.COMPLAINT
        and action not in _QUALITY_ON_OTHER_WORK
    ):
        return _refused(Refusal.NOT_QUALITY_WORK)
    if (
        staff.role in _DESKS
        and ticket.type is TicketType.COMPLAINT
        and action not in _ELSEWHERE
        and ticket.department != staff.department
        and ticket.assignee != staff.username
    ):
        return _refused(Refusal.OTHER_DEPARTMENT)
    return ALLOWED


def _may_attach_photo(staff: Staff, ticket: TicketFacts) -> Decision:
    if staff.role not in FIELD_STAFF:
        return _refused(Refusal.ROLE)
    if staff.role is Role.TECHNICIAN and ticket.assignee != staff.username:
        return _refused(Refusal.NOT_YOUR_WORK_ORDER)
    if ticket.type not in FIELD_WORK:
        return _refused(Refusal.NOT_FIELD_WORK)
    return ALLOWED


def decide(staff: Staff, ticket: TicketFacts, deed: Deed) -> Decision:
    """Whether `staff` may do `deed` to `ticket`, whatever the ticket's state (the workflow
    says what its state allows)."""
    if is_named(staff, ticket):
        return _refused(Refusal.RECUSED)
    if isinstance(deed, Action):
        return _may_act(staff, ticket, deed)
    if deed is Use.SEE_COMPLAINANT:
        return _may_see_complainant(staff, ticket)
    if deed is Use.CALL:
        if staff.role not in CALLERS:
            return _refused(Refusal.ROLE)
        return _may_see_complainant(staff, ticket)
    if deed is Use.CALLBACK:
        return ALLOWED if staff.role in CALLBACK_STAFF else _refused(Refusal.ROLE)
    if deed is Use.BOOK_VISIT:
        return ALLOWED if staff.role in DISPATCHERS else _refused(Refusal.ROLE)
    if deed is Use.ATTACH_PHOTO:
        return _may_attach_photo(staff, ticket)
    # SEE_DESCRIPTION, SEE_PHOTOS, TAKE_ON: refused only to the named.
    return ALLOWED


def allowed_actions(staff: Staff, ticket: TicketFacts, snapshot: TicketSnapshot) -> list[Action]:
    """The actions the ticket's state allows and this person may take."""
    return [
        action for action in actions_in_state(snapshot, staff.role) if decide(staff, ticket, action)
    ]
