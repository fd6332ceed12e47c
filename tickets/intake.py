"""What the IVR menu choice suggests the agent should open: the ticket type (and subtype) the
caller asked for before they reached a person."""

from __future__ import annotations

from dataclasses import dataclass

from tickets.types import GAS_SMELL, TicketType


@dataclass(frozen=True)
class Suggestion:
    """The type to open; a repair's subtype is the agent's to pick unless the menu said."""

    type: TicketType
    subtype: str | None = None
    # Gas smell: the agent's form opens on the emergency with its 30-minute clock.
    emergency: bool = False


# The values our IVR and dialplan set in TICKETTYPE; "gas-outage" is the test PBX's (our AMI
# captures'), whose one choice 4 meant gas smell or no gas.
_BY_CHOICE = {
    "consultation": Suggestion(TicketType.CONSULTATION),
    "repair": Suggestion(TicketType.REPAIR),
    "complaint": Suggestion(TicketType.COMPLAINT),
    "gas-smell": Suggestion(TicketType.REPAIR, GAS_SMELL, emergency=True),
    "no-gas": Suggestion(TicketType.OUTAGE),
    "gas-outage": Suggestion(TicketType.REPAIR, GAS_SMELL, emergency=True),
    "gas_smell": Suggestion(TicketType.REPAIR, GAS_SMELL, emergency=True),
    "outage": Suggestion(TicketType.OUTAGE),
}


def suggest(ivr_choice: str | None) -> Suggestion | None:
    if not ivr_choice:
        return None
    return _BY_CHOICE.get(ivr_choice.strip().lower())
