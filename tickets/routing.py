"""Routing: which department a new ticket goes to. Rules are tried in order; the first whose
every set field matches wins; a field left empty matches anything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tickets.types import TicketType


@dataclass(frozen=True)
class RoutingRule:
    department: str
    ticket_type: TicketType | None = None
    subtype: str | None = None
    area: str | None = None

    def matches(self, ticket_type: TicketType, subtype: str | None, area: str | None) -> bool:
        return (
            (self.ticket_type is None or self.ticket_type == ticket_type)
            and (self.subtype is None or self.subtype == subtype)
            and (self.area is None or self.area == area)
        )


def route(
    rules: Sequence[RoutingRule],
    ticket_type: TicketType,
    subtype: str | None,
    area: str | None,
    default_department: str,
) -> str:
    for rule in rules:
        if rule.matches(ticket_type, subtype, area):
            return rule.department
    return default_department
