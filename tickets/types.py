"""Ticket types, subtypes and priorities as the service regulations name them."""

from __future__ import annotations

from enum import StrEnum

from tickets.wording import N_


class TicketType(StrEnum):
    CONSULTATION = "consultation"  # 业务咨询
    REPAIR = "repair"  # 故障报修
    COMPLAINT = "complaint"  # 服务投诉
    OUTAGE = "outage"  # 停气


class Priority(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    NORMAL = "normal"


PRIORITY_RANK = {Priority.EMERGENCY: 0, Priority.URGENT: 1, Priority.NORMAL: 2}

SUBTYPES: dict[TicketType, frozenset[str]] = {
    TicketType.CONSULTATION: frozenset({"billing", "account", "safety", "installation", "other"}),
    TicketType.REPAIR: frozenset({"indoor_equipment", "network_fault", "gas_smell"}),
    TicketType.COMPLAINT: frozenset(
        {"service_attitude", "timeliness", "billing", "construction", "other"}
    ),
    TicketType.OUTAGE: frozenset({"planned", "unplanned"}),
}

# A repair or an outage cannot be routed or clocked without knowing what kind it is.
SUBTYPE_REQUIRED = frozenset({TicketType.REPAIR, TicketType.OUTAGE})

GAS_SMELL = "gas_smell"


class TicketRuleError(ValueError):
    """A ticket's fields break a rule; `field` names the offending one."""

    def __init__(self, field: str, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        # What is shown next to the field, in words the console translates.
        self.reason = reason or message


def check_subtype(ticket_type: TicketType, subtype: str | None) -> None:
    if subtype is None:
        if ticket_type in SUBTYPE_REQUIRED:
            raise TicketRuleError(
                "subtype",
                f"a {ticket_type} ticket needs a subtype",
                N_("this type of ticket needs a subtype"),
            )
        return
    if subtype not in SUBTYPES[ticket_type]:
        allowed = ", ".join(sorted(SUBTYPES[ticket_type]))
        raise TicketRuleError(
            "subtype",
            f"unknown {ticket_type} subtype {subtype!r}; one of {allowed}",
            N_("not a subtype of the chosen type"),
        )


def default_priority(ticket_type: TicketType, subtype: str | None) -> Priority:
    if ticket_type is TicketType.REPAIR and subtype == GAS_SMELL:
        return Priority.EMERGENCY
    if ticket_type is TicketType.OUTAGE and subtype == "unplanned":
        return Priority.URGENT
    return Priority.NORMAL


def effective_priority(
    ticket_type: TicketType, subtype: str | None, requested: Priority | None
) -> Priority:
    """The requested priority, but never below what the ticket's kind demands: a gas smell
    stays an emergency whatever the form says."""
    floor = default_priority(ticket_type, subtype)
    if requested is None:
        return floor
    return requested if PRIORITY_RANK[requested] < PRIORITY_RANK[floor] else floor
