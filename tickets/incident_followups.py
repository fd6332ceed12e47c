"""Who is called back after an outage, and when (issue 11, point 8): every caller who joined
the outage — by a ticket, or only by their call (the voice menu's "press 1", the agent's one
click from the pop) — gets one follow-up callback.

When: once the outage is relit, not when it is restored. Restoration puts gas back in the
mains, but every affected meter stays shut until its relighting visit (点火通气); a caller rung
between the two still has no gas, cannot say whether the problem is solved, answers the survey
unhappy and has a ticket reopened for a visit already booked. The outage is relit when every
relighting visit is done or found not needed: from then on each caller has gas, and the
callback asks about the whole of it — the outage, the notices, the relighting.

Whom: one callback per number, never per call — a customer who rang five times that evening is
called once. A number whose ticket joined the outage is called back about that ticket (its
survey can reopen it); the callers known only by their calls are called about the outage.
Withheld and unknown numbers, service numbers and extensions cannot be called back and are
left out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tickets.incidents import Status
from tickets.ringbacks import callable_number

# The step of the outage the follow-up callbacks are made at (see above for why).
FOLLOW_UP_AT = Status.RELIT


@dataclass(frozen=True)
class LinkedTicket:
    id: int
    caller_phone: str | None


@dataclass(frozen=True)
class FollowUps:
    """The tickets to call back about, and the numbers known only by their calls."""

    tickets: tuple[int, ...]
    numbers: tuple[str, ...]


def follow_ups(
    tickets: Sequence[LinkedTicket], call_numbers: Iterable[str | None], local_area_code: str
) -> FollowUps:
    """One callback per number: the first ticket of each number (a ticket without a number we
    can call keeps its own, for a person to find the customer), then each callable number of
    the calls that no ticket covers, in the order given (first linked first)."""
    covered: set[str] = set()
    chosen: list[int] = []
    for ticket in tickets:
        number = callable_number(ticket.caller_phone, local_area_code)
        if number is None:
            if ticket.id not in chosen:
                chosen.append(ticket.id)
            continue
        if number not in covered:
            covered.add(number)
            chosen.append(ticket.id)
    numbers: list[str] = []
    for raw in call_numbers:
        number = callable_number(raw, local_area_code)
        if number is not None and number not in covered:
            covered.add(number)
            numbers.append(number)
    return FollowUps(tuple(chosen), tuple(numbers))
