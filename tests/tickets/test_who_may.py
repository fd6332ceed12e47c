"""Who may see a complainant and who may call a ticket's customer from the console."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tickets.types import TicketType
from tickets.workflow import CALLERS, Role, may_call_for, may_see_complainant


@given(st.sampled_from(TicketType), st.sampled_from(Role), st.booleans())
def test_no_call_reaches_a_complainant_its_caller_may_not_see(
    ticket_type: TicketType, role: Role, involved: bool
) -> None:
    if may_call_for(ticket_type, role, involved):
        assert may_see_complainant(ticket_type, role, involved)
        assert role in CALLERS


def test_complaints_are_called_by_their_handlers_and_their_readers() -> None:
    complaint = TicketType.COMPLAINT
    assert not may_call_for(complaint, Role.AGENT, involved=False)
    assert may_call_for(complaint, Role.AGENT, involved=True)
    assert may_call_for(complaint, Role.QUALITY, involved=False)
    assert may_call_for(TicketType.REPAIR, Role.AGENT, involved=False)


def test_technicians_call_from_the_field_not_the_console() -> None:
    assert not any(
        may_call_for(ticket_type, Role.TECHNICIAN, involved=True) for ticket_type in TicketType
    )
