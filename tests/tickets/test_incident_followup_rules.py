"""Follow-up callbacks after an outage (tickets/incident_followups.py): one per number, a
ticket's number called about its ticket, anonymous and uncallable numbers left out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tickets.incident_followups import FOLLOW_UP_AT, FollowUps, LinkedTicket, follow_ups
from tickets.incidents import TRANSITIONS, Status
from tickets.ringbacks import callable_number

AREA_CODE = "571"


def test_callbacks_wait_for_relighting_which_comes_after_restoration() -> None:
    assert FOLLOW_UP_AT is Status.RELIT
    assert list(TRANSITIONS.values()).index(Status.RESTORED) < list(TRANSITIONS.values()).index(
        FOLLOW_UP_AT
    )


def test_each_caller_is_called_back_once_whatever_the_number_of_calls() -> None:
    found = follow_ups([], ["13800138000", "+86 138 0013 8000", "13900139000"], AREA_CODE)
    assert found == FollowUps((), ("+8613800138000", "+8613900139000"))


def test_a_number_with_a_linked_ticket_is_called_about_its_ticket_only() -> None:
    found = follow_ups(
        [LinkedTicket(7, "13800138000"), LinkedTicket(8, "+8613800138000")],
        ["13800138000", "88001234"],
        AREA_CODE,
    )
    # The second ticket from the same number is covered by the first one's callback.
    assert found == FollowUps((7,), ("+8657188001234",))


def test_anonymous_and_service_numbers_are_left_out() -> None:
    found = follow_ups([], [None, "", "anonymous", "unknown", "110", "8001"], AREA_CODE)
    assert found == FollowUps((), ())


def test_a_ticket_without_a_number_to_call_keeps_its_own_callback() -> None:
    found = follow_ups([LinkedTicket(3, None), LinkedTicket(4, "anonymous")], [], AREA_CODE)
    assert found == FollowUps((3, 4), ())


NUMBERS = st.sampled_from(
    ["13800138000", "+8613800138000", "13900139000", "88001234", "057188001234", "anonymous", None]
)


@given(
    tickets=st.lists(st.tuples(st.integers(1, 20), NUMBERS), max_size=6, unique_by=lambda t: t[0]),
    calls=st.lists(NUMBERS, max_size=12),
)
def test_no_number_is_called_twice_and_every_callable_caller_is_called(
    tickets: list[tuple[int, str | None]], calls: list[str | None]
) -> None:
    linked = [LinkedTicket(ticket_id, phone) for ticket_id, phone in tickets]
    found = follow_ups(linked, calls, AREA_CODE)
    by_id = {ticket.id: ticket for ticket in linked}
    ticket_numbers = [callable_number(by_id[i].caller_phone, AREA_CODE) for i in found.tickets]
    called = [n for n in ticket_numbers if n is not None] + list(found.numbers)
    assert len(called) == len(set(called))
    wanted = {callable_number(n, AREA_CODE) for n in [*calls, *(p for _i, p in tickets)]}
    assert set(called) == wanted - {None}
    assert all(number is not None for number in found.numbers)
