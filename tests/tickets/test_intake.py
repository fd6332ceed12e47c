"""A ticket coming in (tickets/intake.py): the IVR choice's suggestion, the intake rules a new
ticket must keep, and the clocks it opens with."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets import sla
from tickets.calendar import BusinessCalendar
from tickets.intake import (
    TicketDraft,
    TicketRefused,
    check_new_ticket,
    opening_clocks,
    suggest,
)
from tickets.sla import ClockName, DueBasis, StartEvent
from tickets.types import GAS_SMELL, SUBTYPE_REQUIRED, SUBTYPES, TicketType, check_subtype
from tickets.workflow import Appointment

TZ = ZoneInfo("Asia/Shanghai")
CALENDAR = BusinessCalendar()
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)  # a Friday morning
H = timedelta(hours=1)
SUBTYPE = {
    TicketType.CONSULTATION: None,
    TicketType.REPAIR: "indoor_equipment",
    TicketType.OUTAGE: "unplanned",
    TicketType.COMPLAINT: None,
}


@pytest.mark.parametrize(
    ("choice", "ticket_type", "subtype", "emergency"),
    [
        ("consultation", TicketType.CONSULTATION, None, False),
        ("repair", TicketType.REPAIR, None, False),
        ("complaint", TicketType.COMPLAINT, None, False),
        ("gas-smell", TicketType.REPAIR, GAS_SMELL, True),
        ("no-gas", TicketType.OUTAGE, None, False),
        ("gas-outage", TicketType.REPAIR, GAS_SMELL, True),
        (" Repair ", TicketType.REPAIR, None, False),
    ],
)
def test_menu_choices_suggest_a_ticket(
    choice: str, ticket_type: TicketType, subtype: str | None, emergency: bool
) -> None:
    suggestion = suggest(choice)
    assert suggestion is not None
    assert (suggestion.type, suggestion.subtype, suggestion.emergency) == (
        ticket_type,
        subtype,
        emergency,
    )
    if suggestion.subtype is not None:
        check_subtype(suggestion.type, suggestion.subtype)


@pytest.mark.parametrize("choice", [None, "", "ivr-no-choice", "9"])
def test_no_or_unknown_choice_suggests_nothing(choice: str | None) -> None:
    assert suggest(choice) is None


def draft(ticket_type: TicketType, **fields: Any) -> TicketDraft:
    return replace(TicketDraft(ticket_type, SUBTYPE[ticket_type], has_address=True), **fields)


def refused_fields(ticket: TicketDraft, now: datetime = NOW) -> dict[str, str]:
    with pytest.raises(TicketRefused) as refused:
        check_new_ticket(ticket, now)
    return refused.value.fields


def test_a_ticket_without_a_received_time_was_received_now() -> None:
    assert check_new_ticket(draft(TicketType.REPAIR), NOW) == NOW


def test_an_agent_may_enter_an_earlier_received_time() -> None:
    earlier = NOW - 2 * H
    assert check_new_ticket(draft(TicketType.REPAIR, received_at=earlier), NOW) == earlier
    assert check_new_ticket(draft(TicketType.REPAIR, received_at=NOW), NOW) == NOW


def test_a_received_time_in_the_future_is_refused() -> None:
    later = NOW + timedelta(seconds=1)
    assert refused_fields(draft(TicketType.REPAIR, received_at=later)) == {
        "received_at": "lies in the future"
    }


def test_only_a_consultation_may_be_special() -> None:
    special = draft(TicketType.CONSULTATION, special=True, special_reason="research")
    assert check_new_ticket(special, NOW) == NOW
    for ticket_type in set(TicketType) - {TicketType.CONSULTATION}:
        assert refused_fields(draft(ticket_type, special=True)) == {"special": "consultations only"}


def test_a_special_consultation_needs_a_reason_chosen_at_intake() -> None:
    for reason in (None, "老板说的"):
        refused = refused_fields(
            draft(TicketType.CONSULTATION, special=True, special_reason=reason)
        )
        assert set(refused) == {"special_reason"}
    plain = draft(TicketType.CONSULTATION, special_reason="research")
    assert set(refused_fields(plain)) == {"special_reason"}


def test_only_a_complaint_may_name_staff() -> None:
    named = frozenset({"wang"})
    assert check_new_ticket(draft(TicketType.COMPLAINT, named_staff=named), NOW) == NOW
    for ticket_type in set(TicketType) - {TicketType.COMPLAINT}:
        assert refused_fields(draft(ticket_type, named_staff=named)) == {
            "named_staff": "complaints only"
        }


def test_a_complaint_is_not_assigned_to_the_staff_it_names() -> None:
    complaint = draft(TicketType.COMPLAINT, named_staff=frozenset({"wang", "li"}))
    assert set(refused_fields(replace(complaint, assignee="li"))) == {"assignee"}
    assert check_new_ticket(replace(complaint, assignee="zhao"), NOW) == NOW


def test_a_repair_or_outage_needs_a_known_subtype() -> None:
    assert set(refused_fields(draft(TicketType.REPAIR, subtype=None))) == {"subtype"}
    assert set(refused_fields(draft(TicketType.OUTAGE, subtype="leaky_tap"))) == {"subtype"}
    assert check_new_ticket(draft(TicketType.COMPLAINT, subtype=None), NOW) == NOW


def test_a_gas_smell_is_not_booked_for_later() -> None:
    window = Appointment(NOW + H, NOW + 3 * H, customer_agreed=True)
    gas_smell = draft(TicketType.REPAIR, subtype=GAS_SMELL, appointment=window)
    assert set(refused_fields(gas_smell)) == {"appointment"}
    assert check_new_ticket(draft(TicketType.REPAIR, appointment=window), NOW) == NOW


def test_every_broken_rule_is_named_at_once_and_the_first_one_speaks() -> None:
    ticket = draft(
        TicketType.REPAIR,
        subtype=None,
        special=True,
        named_staff=frozenset({"wang"}),
        received_at=NOW + H,
        appointment=Appointment(NOW - 3 * H, NOW - H, customer_agreed=True),
    )
    with pytest.raises(TicketRefused) as refused:
        check_new_ticket(ticket, NOW)
    assert set(refused.value.fields) == {
        "subtype",
        "received_at",
        "special",
        "named_staff",
        "appointment",
    }
    assert refused.value.message == refused.value.refusals[0].message
    assert "subtype" in refused.value.message


def test_a_special_consultation_opens_a_24_hour_reply_clock() -> None:
    earlier = NOW - 2 * H
    clocks = opening_clocks(
        draft(TicketType.CONSULTATION, special=True),
        earlier,
        sla.DEFAULT_POLICIES,
        CALENDAR,
        TZ,
        NOW,
    )
    assert list(clocks) == [ClockName.REPLY, ClockName.TAKE_UP]
    assert clocks[ClockName.REPLY].due_at == earlier + 24 * H


def test_an_appointment_on_the_call_sets_the_handle_deadline_to_the_window_end() -> None:
    window = Appointment(NOW + 20 * H, NOW + 22 * H, customer_agreed=True)
    clocks = opening_clocks(
        draft(TicketType.REPAIR, appointment=window), NOW, sla.DEFAULT_POLICIES, CALENDAR, TZ, NOW
    )
    assert clocks[ClockName.HANDLE].due_at == window.end
    assert clocks[ClockName.HANDLE].basis is DueBasis.APPOINTMENT
    assert clocks[ClockName.FIX].due_at == NOW + 24 * H


# Property tests: any draft at all, against the rules restated one by one.

STAFF = ["wang", "li", "zhao"]
minutes = st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60)


@st.composite
def drafts(draw: st.DrawFn) -> TicketDraft:
    ticket_type = draw(st.sampled_from(list(TicketType)))
    known = sorted(name for names in SUBTYPES.values() for name in names)
    appointment = None
    if draw(st.booleans()):
        start = NOW + timedelta(minutes=draw(minutes))
        appointment = Appointment(
            start, start + timedelta(minutes=draw(minutes)), customer_agreed=True
        )
    received = draw(st.none() | minutes)
    return TicketDraft(
        type=ticket_type,
        subtype=draw(st.none() | st.sampled_from([*known, "leaky_tap"])),
        special=draw(st.booleans()),
        special_reason=draw(st.none() | st.sampled_from(["research", "other_department", "x"])),
        received_at=None if received is None else NOW + timedelta(minutes=received),
        named_staff=frozenset(draw(st.sets(st.sampled_from(STAFF), max_size=2))),
        assignee=draw(st.none() | st.sampled_from(STAFF)),
        appointment=appointment,
        has_address=draw(st.booleans()),
        has_area=draw(st.booleans()),
    )


def broken_rules(ticket: TicketDraft) -> set[str]:
    broken = set()
    if ticket.subtype is None:
        if ticket.type in SUBTYPE_REQUIRED:
            broken.add("subtype")
    elif ticket.subtype not in SUBTYPES[ticket.type]:
        broken.add("subtype")
    if ticket.received_at is not None and ticket.received_at > NOW:
        broken.add("received_at")
    if ticket.special and ticket.type is not TicketType.CONSULTATION:
        broken.add("special")
    reasons = ("research", "other_department")
    if (
        ticket.special
        and ticket.type is TicketType.CONSULTATION
        and ticket.special_reason not in reasons
    ):
        broken.add("special_reason")
    if ticket.special_reason is not None and not ticket.special:
        broken.add("special_reason")
    if ticket.named_staff and ticket.type is not TicketType.COMPLAINT:
        broken.add("named_staff")
    if ticket.type is TicketType.COMPLAINT and ticket.assignee in ticket.named_staff:
        broken.add("assignee")
    window = ticket.appointment
    if window is not None and (
        ticket.type is not TicketType.REPAIR
        or ticket.subtype != "indoor_equipment"
        or window.end <= window.start
        or window.end <= NOW
    ):
        broken.add("appointment")
    area_is_enough = ticket.type is TicketType.OUTAGE and ticket.has_area
    needs_address = ticket.type in {TicketType.REPAIR, TicketType.OUTAGE}
    if needs_address and not ticket.has_address and not area_is_enough:
        broken.add("address")
    return broken


@pytest.mark.parametrize("subtype", sorted(SUBTYPES[TicketType.REPAIR]))
def test_a_repair_without_an_address_is_refused_at_the_address(subtype: str) -> None:
    nowhere = draft(TicketType.REPAIR, subtype=subtype, has_address=False, has_area=True)
    assert refused_fields(nowhere) == {"address": "needed: where the crew goes"}


def test_an_outage_needs_an_address_or_an_area() -> None:
    assert refused_fields(draft(TicketType.OUTAGE, has_address=False)) == {
        "address": "needed: the address or the area without gas"
    }
    check_new_ticket(draft(TicketType.OUTAGE, has_address=False, has_area=True), NOW)


def test_every_fault_of_a_draft_is_named_at_once() -> None:
    blank = draft(TicketType.REPAIR, subtype=None, has_address=False, has_description=False)
    assert refused_fields(blank) == {
        "subtype": "this type of ticket needs a subtype",
        "address": "needed: where the crew goes",
        "description": "required",
    }


def test_consultations_and_complaints_need_no_address() -> None:
    for kind in (TicketType.CONSULTATION, TicketType.COMPLAINT):
        check_new_ticket(draft(kind, has_address=False), NOW)


@settings(max_examples=500, deadline=None)
@given(ticket=drafts())
def test_a_draft_is_refused_exactly_by_the_rules_it_breaks(ticket: TicketDraft) -> None:
    broken = broken_rules(ticket)
    try:
        received_at = check_new_ticket(ticket, NOW)
    except TicketRefused as refused:
        assert set(refused.fields) == broken
        assert all(refused.fields.values())
        assert refused.message == refused.refusals[0].message
    else:
        assert not broken
        assert received_at == (ticket.received_at or NOW)
        assert received_at <= NOW


@settings(max_examples=200, deadline=None)
@given(ticket=drafts())
def test_an_accepted_draft_opens_its_clocks_when_it_was_received(ticket: TicketDraft) -> None:
    try:
        received_at = check_new_ticket(ticket, NOW)
    except TicketRefused:
        return
    clocks = opening_clocks(ticket, received_at, sla.DEFAULT_POLICIES, CALENDAR, TZ, NOW)
    expected = sla.select_policies(
        sla.DEFAULT_POLICIES, ticket.type, ticket.subtype, ticket.special, StartEvent.RECEIVED
    )
    assert list(clocks) == [policy.clock for policy in expected]
    for clock in clocks.values():
        assert clock.started_at == received_at
        assert clock.due_at > received_at
        # Filed straight to a person, it was taken up when it came in.
        taken = clock.name is ClockName.TAKE_UP and ticket.assignee is not None
        assert clock.is_stopped == taken
        assert not taken or clock.stopped_at == received_at
    if ticket.appointment is not None and ClockName.HANDLE in clocks:
        assert clocks[ClockName.HANDLE].due_at == ticket.appointment.end
