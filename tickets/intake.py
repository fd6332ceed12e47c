"""A ticket coming in: what the IVR menu choice suggests the agent should open, the rules a new
ticket must keep before it is numbered and routed, and the clocks it starts with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tickets import sla
from tickets.calendar import BusinessCalendar
from tickets.sla import Clock, ClockName, SlaPolicy, StartEvent
from tickets.types import GAS_SMELL, TicketRuleError, TicketType, check_subtype
from tickets.wording import N_
from tickets.workflow import (
    ActionInvalid,
    Appointment,
    check_appointment,
    check_assignment,
    check_special_reason,
)


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


@dataclass(frozen=True)
class TicketDraft:
    """What the intake rules look at in a new ticket, as the agent filled it in."""

    type: TicketType
    subtype: str | None = None
    special: bool = False
    # Entered by the agent for a request received earlier; None: received now.
    received_at: datetime | None = None
    named_staff: frozenset[str] = frozenset()
    assignee: str | None = None
    appointment: Appointment | None = None
    special_reason: str | None = None
    # Where the crew goes: an address typed in, or the customer file's.
    has_address: bool = False
    # An area alone (a whole district without gas) is enough for an outage.
    has_area: bool = False
    has_description: bool = True


@dataclass(frozen=True)
class Refusal:
    """One broken rule: `message` says it in a sentence, `reason` in the words shown next to
    the field."""

    field: str
    message: str
    reason: str


# A crew goes out for these: without an address the dispatch board shows "—".
NEEDS_ADDRESS = frozenset({TicketType.REPAIR, TicketType.OUTAGE})


def where_refusal(draft: TicketDraft) -> Refusal | None:
    """A repair (a gas smell first of all) needs an address, an outage an address or an area."""
    if draft.type not in NEEDS_ADDRESS or draft.has_address:
        return None
    if draft.type is TicketType.OUTAGE and draft.has_area:
        return None
    if draft.type is TicketType.OUTAGE:
        return Refusal(
            "address",
            N_("an outage needs an address, an area or a customer file with an address"),
            N_("needed: the address or the area without gas"),
        )
    return Refusal(
        "address",
        N_("a repair needs an address or a customer file with an address"),
        N_("needed: where the crew goes"),
    )


class TicketRefused(ValueError):
    """A new ticket broke intake rules; every field at fault is named at once, so the agent
    corrects the form in one go. `message` is the first refusal's."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        super().__init__(refusals[0].message)
        self.refusals = tuple(refusals)
        self.message = refusals[0].message

    @property
    def fields(self) -> dict[str, str]:
        return {refusal.field: refusal.reason for refusal in self.refusals}


def check_new_ticket(draft: TicketDraft, now: datetime) -> datetime:
    """Refuse a draft that breaks an intake rule; otherwise return when the ticket was received,
    the instant its clocks start from."""
    refusals: list[Refusal] = []
    try:
        check_subtype(draft.type, draft.subtype)
    except TicketRuleError as error:
        refusals.append(Refusal(error.field, error.message, error.reason))
    # An agent may enter an earlier time for a request received earlier, never a later one.
    received_at = now if draft.received_at is None else draft.received_at
    if received_at > now:
        refusals.append(
            Refusal("received_at", N_("received_at lies in the future"), N_("lies in the future"))
        )
    # Special means "needs another department or research": a consultation's 24 h reply clock.
    if draft.special and draft.type is not TicketType.CONSULTATION:
        refusals.append(
            Refusal(
                "special", N_("only consultations are marked special"), N_("consultations only")
            )
        )
    if draft.special and draft.type is TicketType.CONSULTATION:
        try:
            check_special_reason(draft.special_reason)
        except ActionInvalid as error:
            refusals.append(Refusal(error.field, error.message, error.message))
    if draft.special_reason is not None and not draft.special:
        refusals.append(
            Refusal(
                "special_reason",
                N_("only a special consultation has a reason to be"),
                N_("special consultations only"),
            )
        )
    if draft.named_staff and draft.type is not TicketType.COMPLAINT:
        refusals.append(
            Refusal("named_staff", N_("only complaints name staff"), N_("complaints only"))
        )
    try:
        check_assignment(draft.type, draft.named_staff, draft.assignee)
    except ActionInvalid as error:
        refusals.append(Refusal(error.field, error.message, error.message))
    if not draft.has_description:
        refusals.append(Refusal("description", N_("a ticket needs a description"), N_("required")))
    missing_address = where_refusal(draft)
    if missing_address is not None:
        refusals.append(missing_address)
    if draft.appointment is not None:
        try:
            check_appointment(draft.type, draft.subtype, draft.appointment, now)
        except ActionInvalid as error:
            refusals.append(Refusal(error.field, error.message, error.message))
    if refusals:
        raise TicketRefused(refusals)
    return received_at


def opening_clocks(
    draft: TicketDraft,
    received_at: datetime,
    policies: Sequence[SlaPolicy],
    calendar: BusinessCalendar,
    tz: ZoneInfo,
    now: datetime,
) -> dict[ClockName, Clock]:
    """The clocks a checked draft starts with, from when it was received; an appointment agreed
    on the call makes its window's end the handle deadline."""
    clocks = {
        policy.clock: sla.start_clock(policy, received_at, calendar, tz)
        for policy in sla.select_policies(
            policies, draft.type, draft.subtype, draft.special, StartEvent.RECEIVED
        )
    }
    if draft.appointment is not None and ClockName.HANDLE in clocks:
        clocks[ClockName.HANDLE] = sla.appoint(clocks[ClockName.HANDLE], draft.appointment.end, now)
    if draft.assignee is not None and ClockName.TAKE_UP in clocks:
        # Filed straight to a person: the receipt on record names who took it up.
        clocks[ClockName.TAKE_UP] = sla.stop(clocks[ClockName.TAKE_UP], received_at)
    return clocks
