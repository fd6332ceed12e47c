"""The hotline's voice menu: what a caller hears and what each key does, as data, and the
conversation as a pure generator.

A conversation yields steps — play these prompts, ask for keys, look up a ticket, estimate the
wait, book a callback — and is sent back what each step found (the keys pressed, the ticket,
the wait). It returns how the call goes on: to a queue with what the caller chose, or to a
goodbye after the caller's business was done by self-service (an outage call noted, a
ticket's status heard, a callback booked). It never ends a call for choosing nothing: two
tries, then a person. The FastAGI side (hotline/telephony/menu_calls.py) only carries the
steps out, so every path here is tested without a telephone."""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ivr import speech
from tickets.incidents import Cause
from tickets.numbering import keys_of, numbers_from_keys
from tickets.phones import PhoneError, normalise_phone
from tickets.workflow import Status

# ---------------------------------------------------------------- prompts (ivr/prompts.py)
WELCOME = "custom/ivr-welcome"
MENU_PROMPT = "custom/ivr-menu"
INVALID = "custom/ivr-invalid"
TO_A_PERSON = "custom/ivr-to-a-person"
GAS_SMELL_SAFETY = "custom/gas-smell-safety"
OUTAGE_IN_AREA = "custom/outage-in-your-area"
OUTAGE_PLANNED = "custom/outage-cause-planned"
OUTAGE_UNPLANNED = "custom/outage-cause-unplanned"
# An outage announced for later: "gas in your area will be off from <moment>, …".
OUTAGE_UPCOMING = "custom/outage-upcoming"
OUTAGE_UPCOMING_OFF = "custom/outage-upcoming-off"
OUTAGE_CAUSES: dict[Cause, str] = {
    Cause.PIPELINE_INSPECTION: "custom/outage-cause-pipeline-inspection",
    Cause.MAINTENANCE: "custom/outage-cause-maintenance",
    Cause.ACCIDENT: "custom/outage-cause-accident",
    Cause.EMERGENCY_REPAIR: "custom/outage-cause-emergency-repair",
}
OUTAGE_RESTORE_AT = "custom/outage-restore-at"
OUTAGE_RESTORING = "custom/outage-restoring"
OUTAGE_APOLOGY = "custom/outage-apology"
OUTAGE_PRESS_1 = "custom/outage-press-1"
OUTAGE_NOTED = "custom/outage-noted"
STATUS_ENTER = "custom/status-enter"
STATUS_NOT_FOUND = "custom/status-not-found"
STATUS_UNAVAILABLE = "custom/status-unavailable"
STATUS_YOUR_TICKET = "custom/status-your-ticket"
STATUS_VISIT_AT = "custom/status-visit-at"
STATUS_AFTER = "custom/status-after"
STATUS_WORDS: dict[Status, str] = {
    Status.NEW: "custom/status-new",
    Status.ASSIGNED: "custom/status-assigned",
    Status.IN_PROGRESS: "custom/status-in-progress",
    Status.WAITING_CUSTOMER: "custom/status-waiting-customer",
    Status.RESOLVED: "custom/status-resolved",
    Status.CLOSED: "custom/status-closed",
}
CALLBACK_WAIT = "custom/callback-wait"
CALLBACK_BUSY = "custom/callback-busy"
CALLBACK_OFFER = "custom/callback-offer"
CALLBACK_TO_NUMBER = "custom/callback-to-number"
CALLBACK_CONFIRM = "custom/callback-confirm"
CALLBACK_ENTER = "custom/callback-enter-number"
CALLBACK_BAD_NUMBER = "custom/callback-bad-number"
CALLBACK_BOOKED = "custom/callback-booked"
CALLBACK_FAILED = "custom/callback-failed"

ANY_KEY = "0123456789*#"


# ---------------------------------------------------------------- the menu as data
class Queue(StrEnum):
    HOTLINE = "hotline"
    EMERGENCY = "emergency"


class Service(StrEnum):
    """What the caller chose, as the dialplan's TICKETTYPE carries it to the call log."""

    NONE = "none"
    CONSULTATION = "consultation"
    REPAIR = "repair"
    COMPLAINT = "complaint"
    GAS_SMELL = "gas-smell"
    NO_GAS = "no-gas"


class Branch(StrEnum):
    QUEUE = "queue"
    STATUS = "status"


@dataclass(frozen=True)
class MenuEntry:
    key: str
    branch: Branch
    service: Service = Service.NONE
    queue: Queue = Queue.HOTLINE
    # Played before the caller is put through, e.g. the gas-smell safety instructions.
    first: tuple[str, ...] = ()


PERSON = MenuEntry("0", Branch.QUEUE)
MENU: dict[str, MenuEntry] = {
    entry.key: entry
    for entry in (
        MenuEntry("1", Branch.QUEUE, Service.CONSULTATION),
        MenuEntry("2", Branch.QUEUE, Service.REPAIR),
        MenuEntry("3", Branch.QUEUE, Service.COMPLAINT),
        MenuEntry("4", Branch.QUEUE, Service.GAS_SMELL, Queue.EMERGENCY, (GAS_SMELL_SAFETY,)),
        # No gas is not a gas smell: the agent gets it as an outage report (tickets/intake.py).
        MenuEntry("5", Branch.QUEUE, Service.NO_GAS),
        MenuEntry("6", Branch.STATUS),
        PERSON,
    )
}


@dataclass(frozen=True)
class Policy:
    tries: int = 2
    answer_ms: int = 5000
    # Keying a ticket or phone number takes longer than one key.
    number_ms: int = 10000
    # Callers who come back to the main menu this often are put through to a person.
    menu_rounds: int = 4
    status_repeats: int = 2
    # QUEUE_PRIO for special-care customers (老、弱、病、残); the emergency queue uses 100.
    special_care_priority: int = 10
    # A callback is offered when the expected wait is longer than this.
    offer_callbacks: bool = True
    offer_callback_over_seconds: float = 120.0
    # For callback numbers keyed without an area code.
    local_area_code: str = "571"


# ---------------------------------------------------------------- what the conversation knows
@dataclass(frozen=True)
class Outage:
    """An outage not yet over in the caller's area (local times): an incident (with its cause
    and, when planned, its start) or an outage ticket."""

    ticket_id: int | None
    planned: bool
    restore_at: datetime | None
    incident_id: int | None = None
    cause: Cause | None = None
    starts_at: datetime | None = None


@dataclass(frozen=True)
class Caller:
    # E.164 when the number can be called back; None when withheld or unusable.
    number: str | None
    customer_id: int | None
    special_care: bool
    outages: tuple[Outage, ...]
    # Local time (Asia/Shanghai): restoration and visit times are said relative to it.
    now: datetime


@dataclass(frozen=True)
class TicketStatus:
    """What a caller may hear of one of their own tickets."""

    number: str
    status: Status
    # The next visit booked at the caller's premises, local time.
    visit_at: datetime | None


# ---------------------------------------------------------------- steps and endings
@dataclass(frozen=True)
class Play:
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class Ask:
    """Play the prompts, keys may interrupt them; answered with the keys pressed, "" if none."""

    prompts: tuple[str, ...]
    max_digits: int
    timeout_ms: int


@dataclass(frozen=True)
class LookUpTicket:
    """Answered with a `TicketStatus` of the caller's own, or None."""

    keys: str


@dataclass(frozen=True)
class EstimateWait:
    """Answered with the seconds a caller joining `queue` now should expect, or None."""

    queue: Queue


@dataclass(frozen=True)
class BookCallback:
    """Answered with the caller's place among those waiting for a callback, or None."""

    number: str
    # What the caller chose; None when the menu does not know (the queue's callback offer).
    service: Service | None


Step = Play | Ask | LookUpTicket | EstimateWait | BookCallback


class Finished(StrEnum):
    OUTAGE_NOTED = "outage-noted"
    STATUS_READ = "status-read"
    CALLBACK_BOOKED = "callback-booked"


@dataclass(frozen=True)
class Route:
    service: Service
    queue: Queue
    key: str
    priority: int | None


@dataclass(frozen=True)
class Ending:
    """How the conversation ended: `route` to a queue, `finished` self-service (the dialplan
    says goodbye), or neither (the caller goes back to where they were, e.g. the queue)."""

    route: Route | None = None
    finished: Finished | None = None


@dataclass
class Journal:
    """What happened, kept as it happens (a caller may hang up at any step), for the menu's
    session log and the reports."""

    announced_outage: int | None = None
    announced_incident: int | None = None
    outage_call: bool = False
    status_lookups: int = 0
    callback_place: int | None = None
    # The keys pressed at each question, "" for none.
    keys: list[str] = field(default_factory=list)


Conversation = Generator[Step, object, Ending]


def _ask(
    journal: Journal, prompts: tuple[str, ...], digits: int, ms: int
) -> Generator[Step, object, str]:
    answer = yield Ask(prompts, digits, ms)
    keys = answer if isinstance(answer, str) else ""
    journal.keys.append(keys)
    return keys


# ---------------------------------------------------------------- the conversations
def hotline_menu(caller: Caller, journal: Journal, policy: Policy = Policy()) -> Conversation:
    """The inbound call, after the greeting (WELCOME, played while the caller is looked up),
    to a queue or a goodbye."""
    if caller.outages and (yield from _outage_notice(caller.outages[0], caller, policy, journal)):
        return Ending(finished=Finished.OUTAGE_NOTED)
    misses = rounds = 0
    while misses < policy.tries and rounds < policy.menu_rounds:
        key = yield from _ask(journal, (MENU_PROMPT,), 1, policy.answer_ms)
        entry = MENU.get(key)
        if entry is None:
            misses += 1
            if misses < policy.tries:
                yield Play((INVALID,))
            continue
        if entry.branch is Branch.STATUS:
            ending = yield from _status(caller, policy, journal)
            if ending is not None:
                return ending
            # Back in the main menu on the caller's wish: fresh tries.
            misses = 0
            rounds += 1
            continue
        return (yield from _route(entry, caller, policy, journal))
    yield Play((TO_A_PERSON,))
    return (yield from _route(PERSON, caller, policy, journal))


def callback_offer(caller: Caller, journal: Journal, policy: Policy = Policy()) -> Conversation:
    """A caller whose wait in the queue ran out: a callback that keeps their place, or back
    to the queue."""
    if caller.number is None or not policy.offer_callbacks:
        return Ending()
    wait = _seconds((yield EstimateWait(Queue.HOTLINE)))
    # Under a minute to go is not worth announcing to someone who has waited this long.
    known = wait if wait is not None and wait >= 60 else None
    place = yield from _offer_callback(caller, known, None, policy, journal)
    if place is None:
        return Ending()
    return Ending(finished=Finished.CALLBACK_BOOKED)


def _outage_notice(
    outage: Outage, caller: Caller, policy: Policy, journal: Journal
) -> Generator[Step, object, bool]:
    """Cause, expected restoration and an apology; True when the caller called about it."""
    journal.announced_outage = outage.ticket_id
    journal.announced_incident = outage.incident_id
    if outage.starts_at is not None and outage.starts_at > caller.now:
        words = [OUTAGE_UPCOMING, *speech.moment(outage.starts_at, caller.now), OUTAGE_UPCOMING_OFF]
    else:
        words = [OUTAGE_IN_AREA]
    if outage.cause is not None:
        words.append(OUTAGE_CAUSES[outage.cause])
    else:
        words.append(OUTAGE_PLANNED if outage.planned else OUTAGE_UNPLANNED)
    if outage.restore_at is not None and outage.restore_at > caller.now:
        words += [OUTAGE_RESTORE_AT, *speech.moment(outage.restore_at, caller.now)]
    else:
        words.append(OUTAGE_RESTORING)
    words.append(OUTAGE_APOLOGY)
    yield Play(tuple(words))
    if (yield from _ask(journal, (OUTAGE_PRESS_1,), 1, policy.answer_ms)) != "1":
        return False
    journal.outage_call = True
    yield Play((OUTAGE_NOTED,))
    return True


def _route(entry: MenuEntry, caller: Caller, policy: Policy, journal: Journal) -> Conversation:
    if entry.first:
        yield Play(entry.first)
    special = caller.special_care and entry.queue is Queue.HOTLINE
    priority = policy.special_care_priority if special else None
    route = Route(entry.service, entry.queue, entry.key, priority)
    # Special-care callers go first anyway; an emergency is never asked to wait for a callback.
    if policy.offer_callbacks and entry.queue is Queue.HOTLINE and not special and caller.number:
        wait = _seconds((yield EstimateWait(entry.queue)))
        if wait is not None and wait > policy.offer_callback_over_seconds:
            booked = yield from _offer_callback(caller, wait, entry.service, policy, journal)
            if booked is not None:
                return Ending(finished=Finished.CALLBACK_BOOKED)
    return Ending(route=route)


def _offer_callback(
    caller: Caller, wait: float | None, service: Service | None, policy: Policy, journal: Journal
) -> Generator[Step, object, int | None]:
    assert caller.number is not None
    if wait is None:
        offer: tuple[str, ...] = (CALLBACK_BUSY, CALLBACK_OFFER)
    else:
        offer = (CALLBACK_WAIT, *speech.minutes(max(1, math.ceil(wait / 60))), CALLBACK_OFFER)
    if (yield from _ask(journal, offer, 1, policy.answer_ms)) != "1":
        return None
    number = yield from _confirm_number(caller.number, policy, journal)
    if number is None:
        return None
    answer = yield BookCallback(number, service)
    if not isinstance(answer, int):
        yield Play((CALLBACK_FAILED,))
        return None
    journal.callback_place = answer
    yield Play((CALLBACK_BOOKED,))
    return answer


def _confirm_number(
    number: str, policy: Policy, journal: Journal
) -> Generator[Step, object, str | None]:
    """The number read back; 1 keeps it, 2 keys another. None when nothing is confirmed."""
    for _ in range(policy.tries):
        read_back = (CALLBACK_TO_NUMBER, *speech.digits(spoken_number(number)), CALLBACK_CONFIRM)
        key = yield from _ask(journal, read_back, 1, policy.answer_ms)
        if key == "1":
            return number
        if key != "2":
            continue
        keyed = yield from _ask(journal, (CALLBACK_ENTER,), 12, policy.number_ms)
        try:
            number = normalise_phone(keyed, policy.local_area_code)
        except PhoneError:
            yield Play((CALLBACK_BAD_NUMBER,))
    return None


def _status(
    caller: Caller, policy: Policy, journal: Journal
) -> Generator[Step, object, Ending | None]:
    """A ticket's status by its number, of the caller's own tickets only. None: back to the
    main menu."""
    if caller.number is None and caller.customer_id is None:
        # Nothing to tell the caller's tickets from anyone else's: a person checks who they are.
        yield Play((STATUS_UNAVAILABLE,))
        return (yield from _route(PERSON, caller, policy, journal))
    for _ in range(policy.tries):
        keys = yield from _ask(journal, (STATUS_ENTER,), 16, policy.number_ms)
        found = None
        if numbers_from_keys(keys):
            journal.status_lookups += 1
            found = yield LookUpTicket(keys)
        if not isinstance(found, TicketStatus):
            yield Play((STATUS_NOT_FOUND,))
            continue
        for _ in range(policy.status_repeats + 1):
            yield Play(status_words(found, caller.now))
            key = yield from _ask(journal, (STATUS_AFTER,), 1, policy.answer_ms)
            if key == "2":
                return None
            if key == "0":
                return (yield from _route(PERSON, caller, policy, journal))
            if key != "1":
                break
        return Ending(finished=Finished.STATUS_READ)
    yield Play((TO_A_PERSON,))
    return (yield from _route(PERSON, caller, policy, journal))


def status_words(ticket: TicketStatus, now: datetime) -> tuple[str, ...]:
    """ "Your ticket ending 0007 is being handled; the visit is tomorrow at 3 p.m."."""
    sequence = keys_of(ticket.number)[-4:]
    words = [STATUS_YOUR_TICKET, *speech.digits(sequence), STATUS_WORDS[ticket.status]]
    if ticket.visit_at is not None and ticket.visit_at > now:
        words += [STATUS_VISIT_AT, *speech.moment(ticket.visit_at, now)]
    return tuple(words)


def spoken_number(e164: str) -> str:
    """A number as the caller knows it: a mobile's 11 digits, a fixed line with its 0."""
    if not e164.startswith("+86"):
        return keys_of(e164)
    national = e164[3:]
    return national if national.startswith("1") else "0" + national


def _seconds(answer: object) -> float | None:
    if not isinstance(answer, int | float) or not math.isfinite(answer) or answer < 0:
        return None
    return float(answer)
