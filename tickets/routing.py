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


def covers(earlier: RoutingRule, later: RoutingRule) -> bool:
    """Whether every ticket `later` matches is taken by `earlier` first: each field of
    `earlier` is empty or equal to `later`'s."""
    return (
        (earlier.ticket_type is None or earlier.ticket_type == later.ticket_type)
        and (earlier.subtype is None or earlier.subtype == later.subtype)
        and (earlier.area is None or earlier.area == later.area)
    )


def shadowing_rule(rules: Sequence[RoutingRule], position: int) -> int | None:
    """The index of an earlier rule that leaves the rule at `position` nothing to match (it
    would never fire), or None when the rule can fire."""
    candidate = rules[position]
    for index, earlier in enumerate(rules[:position]):
        if covers(earlier, candidate):
            return index
    return None
