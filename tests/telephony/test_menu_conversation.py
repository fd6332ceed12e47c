"""The voice menu's conversation (ivr/menu.py), without a telephone: each path a caller can
take, and for any caller whatever they press, the call ends in a queue or in a goodbye after
finished self-service — never in a hang-up for choosing nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr import menu
from ivr.prompts import RECORDING_SCRIPT
from tickets.incidents import Cause
from tickets.workflow import Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 19, 5, tzinfo=SHANGHAI)
MOBILE = "+8613812345678"
OUTAGE = menu.Outage(ticket_id=41, planned=False, restore_at=NOW + timedelta(hours=3))


def a_caller(**changes: object) -> menu.Caller:
    fields: dict[str, object] = {
        "number": MOBILE,
        "customer_id": 7,
        "special_care": False,
        "outages": (),
        "now": NOW,
    }
    fields.update(changes)
    return menu.Caller(**fields)  # type: ignore[arg-type]


Answer = Callable[[menu.Step], object]


def talk(
    conversation: menu.Conversation, answer: Answer, limit: int = 400
) -> tuple[list[menu.Step], menu.Ending]:
    """Carry the conversation out, `answer` standing in for the caller and the database."""
    steps: list[menu.Step] = []
    reply: object = None
    for _ in range(limit):
        try:
            step = conversation.send(reply)
        except StopIteration as end:
            return steps, end.value
        steps.append(step)
        reply = answer(step)
    raise AssertionError(f"no end after {limit} steps: {steps[-5:]}")


def keys_then(keys: list[str], **found: object) -> Answer:
    """The caller presses `keys` in turn (then nothing); lookups answer from `found`."""
    pressed = iter(keys)

    def answer(step: menu.Step) -> object:
        if isinstance(step, menu.Ask):
            return next(pressed, "")
        if isinstance(step, menu.LookUpTicket):
            return found.get("ticket")
        if isinstance(step, menu.EstimateWait):
            return found.get("wait", 30.0)
        if isinstance(step, menu.BookCallback):
            return found.get("place")
        return None

    return answer


def played(steps: list[menu.Step]) -> list[str]:
    return [
        prompt
        for step in steps
        if isinstance(step, menu.Play | menu.Ask)
        for prompt in step.prompts
    ]


def test_consultation_goes_to_the_hotline_queue() -> None:
    steps, ending = talk(menu.hotline_menu(a_caller(), menu.Journal()), keys_then(["1"]))
    assert ending == menu.Ending(
        route=menu.Route(menu.Service.CONSULTATION, menu.Queue.HOTLINE, "1", None)
    )
    assert played(steps) == [menu.MENU_PROMPT]


def test_a_gas_smell_hears_the_safety_instructions_and_goes_to_the_emergency_queue() -> None:
    steps, ending = talk(menu.hotline_menu(a_caller(), menu.Journal()), keys_then(["4"]))
    assert ending.route == menu.Route(menu.Service.GAS_SMELL, menu.Queue.EMERGENCY, "4", None)
    assert played(steps)[-1] == menu.GAS_SMELL_SAFETY
    # Nobody with a gas smell is asked to wait for a callback.
    assert not any(isinstance(step, menu.EstimateWait) for step in steps)


def test_no_gas_is_its_own_choice_not_a_gas_smell() -> None:
    _, ending = talk(menu.hotline_menu(a_caller(), menu.Journal()), keys_then(["5"]))
    assert ending.route == menu.Route(menu.Service.NO_GAS, menu.Queue.HOTLINE, "5", None)


def test_choosing_nothing_twice_puts_the_caller_through_to_a_person() -> None:
    steps, ending = talk(menu.hotline_menu(a_caller(), menu.Journal()), keys_then([]))
    assert ending.route == menu.Route(menu.Service.NONE, menu.Queue.HOTLINE, "0", None)
    assert played(steps) == [
        menu.MENU_PROMPT,
        menu.INVALID,
        menu.MENU_PROMPT,
        menu.TO_A_PERSON,
    ]


def test_a_wrong_key_is_forgiven_once() -> None:
    journal = menu.Journal()
    _, ending = talk(menu.hotline_menu(a_caller(), journal), keys_then(["9", "2"]))
    assert ending.route is not None and ending.route.service is menu.Service.REPAIR
    assert journal.keys == ["9", "2"]


def test_special_care_customers_go_first_and_are_not_offered_a_callback() -> None:
    steps, ending = talk(
        menu.hotline_menu(a_caller(special_care=True), menu.Journal()),
        keys_then(["2"], wait=3600.0),
    )
    assert ending.route == menu.Route(menu.Service.REPAIR, menu.Queue.HOTLINE, "2", 10)
    assert not any(isinstance(step, menu.EstimateWait) for step in steps)


def test_an_outage_in_the_callers_area_is_announced_first_with_cause_time_and_apology() -> None:
    journal = menu.Journal()
    steps, ending = talk(menu.hotline_menu(a_caller(outages=(OUTAGE,)), journal), keys_then(["1"]))
    notice = steps[0]
    assert isinstance(notice, menu.Play)
    assert notice.prompts[:2] == (menu.OUTAGE_IN_AREA, menu.OUTAGE_UNPLANNED)
    assert menu.OUTAGE_RESTORE_AT in notice.prompts
    assert notice.prompts[-1] == menu.OUTAGE_APOLOGY
    # "Press 1 if you call about this outage": counted on it, and a polite end.
    assert ending == menu.Ending(finished=menu.Finished.OUTAGE_NOTED)
    assert journal.announced_outage == 41 and journal.outage_call
    assert played(steps)[-1] == menu.OUTAGE_NOTED


@given(st.sampled_from(list(Cause)), st.integers(min_value=-48, max_value=240))
def test_an_incident_is_announced_with_its_start_when_ahead_and_its_own_cause(
    cause: Cause, hours_to_start: int
) -> None:
    starts_at = NOW + timedelta(hours=hours_to_start)
    outage = menu.Outage(
        None,
        planned=True,
        restore_at=starts_at + timedelta(hours=8),
        incident_id=5,
        cause=cause,
        starts_at=starts_at,
    )
    journal = menu.Journal()
    steps, _ = talk(menu.hotline_menu(a_caller(outages=(outage,)), journal), keys_then(["2"]))
    notice = steps[0]
    assert isinstance(notice, menu.Play)
    upcoming = hours_to_start > 0
    assert notice.prompts[0] == (menu.OUTAGE_UPCOMING if upcoming else menu.OUTAGE_IN_AREA)
    assert (menu.OUTAGE_UPCOMING_OFF in notice.prompts) == upcoming
    assert menu.OUTAGE_CAUSES[cause] in notice.prompts
    assert notice.prompts[-1] == menu.OUTAGE_APOLOGY
    assert (journal.announced_incident, journal.announced_outage) == (5, None)


def test_an_overdue_restoration_is_not_announced_as_a_time_in_the_past() -> None:
    overdue = menu.Outage(ticket_id=41, planned=True, restore_at=NOW - timedelta(hours=1))
    steps, _ = talk(menu.hotline_menu(a_caller(outages=(overdue,)), menu.Journal()), keys_then([]))
    notice = steps[0]
    assert isinstance(notice, menu.Play)
    assert menu.OUTAGE_PLANNED in notice.prompts and menu.OUTAGE_RESTORING in notice.prompts
    assert menu.OUTAGE_RESTORE_AT not in notice.prompts


def test_a_caller_with_other_business_goes_on_to_the_menu_after_the_notice() -> None:
    journal = menu.Journal()
    _, ending = talk(menu.hotline_menu(a_caller(outages=(OUTAGE,)), journal), keys_then(["2", "3"]))
    assert ending.route is not None and ending.route.service is menu.Service.COMPLAINT
    assert journal.announced_outage == 41 and not journal.outage_call


def test_silence_after_the_notice_is_not_counted_as_a_call_about_the_outage() -> None:
    journal = menu.Journal()
    _, ending = talk(menu.hotline_menu(a_caller(outages=(OUTAGE,)), journal), keys_then([]))
    assert ending.route is not None and ending.route.key == "0"
    assert not journal.outage_call


VISIT = NOW + timedelta(days=1, hours=-4)
OWN_TICKET = menu.TicketStatus("BX-20261130-0007", Status.ASSIGNED, visit_at=VISIT)


def test_a_caller_hears_the_status_and_next_visit_of_their_own_ticket() -> None:
    journal = menu.Journal()
    steps, ending = talk(
        menu.hotline_menu(a_caller(), journal),
        keys_then(["6", "202611300007"], ticket=OWN_TICKET),
    )
    assert menu.LookUpTicket("202611300007") in steps
    assert ending == menu.Ending(finished=menu.Finished.STATUS_READ)
    assert journal.status_lookups == 1
    read_out = next(
        step
        for step in steps
        if isinstance(step, menu.Play) and menu.STATUS_YOUR_TICKET in step.prompts
    )
    assert menu.STATUS_WORDS[Status.ASSIGNED] in read_out.prompts
    assert menu.STATUS_VISIT_AT in read_out.prompts


def test_after_the_status_the_caller_may_go_back_to_the_menu() -> None:
    _, ending = talk(
        menu.hotline_menu(a_caller(), menu.Journal()),
        keys_then(["6", "202611300007", "2", "3"], ticket=OWN_TICKET),
    )
    assert ending.route is not None and ending.route.service is menu.Service.COMPLAINT


def test_a_ticket_not_found_twice_puts_the_caller_through_to_a_person() -> None:
    journal = menu.Journal()
    steps, ending = talk(
        menu.hotline_menu(a_caller(), journal), keys_then(["6", "202611300007", "12"])
    )
    assert ending.route is not None and ending.route.key == "0"
    # Keys that cannot be a ticket number are not looked up at all.
    assert journal.status_lookups == 1
    assert played(steps).count(menu.STATUS_NOT_FOUND) == 2


def test_a_caller_without_a_number_or_file_cannot_hear_ticket_statuses() -> None:
    steps, ending = talk(
        menu.hotline_menu(a_caller(number=None, customer_id=None), menu.Journal()),
        keys_then(["6"]),
    )
    assert menu.STATUS_UNAVAILABLE in played(steps)
    assert not any(isinstance(step, menu.LookUpTicket) for step in steps)
    assert ending.route is not None and ending.route.key == "0"


def test_a_long_wait_offers_a_callback_to_the_callers_own_number() -> None:
    journal = menu.Journal()
    steps, ending = talk(
        menu.hotline_menu(a_caller(), journal),
        keys_then(["2", "1", "1"], wait=600.0, place=3),
    )
    assert menu.BookCallback(MOBILE, menu.Service.REPAIR) in steps
    assert ending == menu.Ending(finished=menu.Finished.CALLBACK_BOOKED)
    assert journal.callback_place == 3
    assert played(steps)[-1] == menu.CALLBACK_BOOKED


def test_a_caller_may_give_another_number_for_the_callback() -> None:
    steps, _ = talk(
        menu.hotline_menu(a_caller(), menu.Journal()),
        keys_then(["1", "1", "2", "87654321", "1"], wait=600.0, place=1),
    )
    assert menu.BookCallback("+8657187654321", menu.Service.CONSULTATION) in steps


def test_a_declined_or_failed_callback_leaves_the_caller_in_the_queue() -> None:
    for keys, place in ((["1", "2"], 1), (["1", "1", "1"], None)):
        _, ending = talk(
            menu.hotline_menu(a_caller(), menu.Journal()),
            keys_then(keys, wait=600.0, place=place),
        )
        assert ending.route is not None and ending.route.service is menu.Service.CONSULTATION


def test_a_short_wait_offers_no_callback() -> None:
    steps, _ = talk(menu.hotline_menu(a_caller(), menu.Journal()), keys_then(["1"], wait=60.0))
    assert menu.CALLBACK_OFFER not in played(steps)


def test_the_queue_timeout_offer_keeps_the_callers_place_or_sends_them_back() -> None:
    steps, ending = talk(
        menu.callback_offer(a_caller(), menu.Journal()), keys_then(["1", "1"], wait=None, place=2)
    )
    assert played(steps)[0] == menu.CALLBACK_BUSY
    assert menu.BookCallback(MOBILE, None) in steps
    assert ending == menu.Ending(finished=menu.Finished.CALLBACK_BOOKED)
    _, declined = talk(menu.callback_offer(a_caller(), menu.Journal()), keys_then([]))
    assert declined == menu.Ending()


def test_a_withheld_number_is_not_offered_a_callback() -> None:
    steps, ending = talk(menu.callback_offer(a_caller(number=None), menu.Journal()), keys_then([]))
    assert steps == [] and ending == menu.Ending()


def test_numbers_are_read_back_as_the_caller_knows_them() -> None:
    assert menu.spoken_number(MOBILE) == "13812345678"
    assert menu.spoken_number("+8657187654321") == "057187654321"


# ---------------------------------------------------------------- any caller, any keys
ANY_KEYS = st.sampled_from(["", "0", "1", "2", "3", "4", "5", "6", "7", "9", "*", "#"])
TYPED = st.sampled_from(["202611300007", "87654321", "13812345678", "12", ""])
OUTAGES = st.lists(
    st.builds(
        menu.Outage,
        ticket_id=st.integers(1, 10_000),
        planned=st.booleans(),
        restore_at=st.none()
        | st.datetimes(
            min_value=datetime(2026, 11, 1),
            max_value=datetime(2027, 2, 1),
            timezones=st.just(SHANGHAI),
        ),
    ),
    max_size=2,
).map(tuple)
CALLERS = st.builds(
    menu.Caller,
    number=st.sampled_from([None, MOBILE, "+8657187654321"]),
    customer_id=st.none() | st.integers(1, 100),
    special_care=st.booleans(),
    outages=OUTAGES,
    now=st.just(NOW),
)


@st.composite
def callers_and_answers(draw: st.DrawFn) -> tuple[menu.Caller, Answer]:
    caller = draw(CALLERS)

    def answer(step: menu.Step) -> object:
        if isinstance(step, menu.Ask):
            return draw(TYPED if step.max_digits > 1 else ANY_KEYS)
        if isinstance(step, menu.LookUpTicket):
            return draw(st.none() | st.just(OWN_TICKET))
        if isinstance(step, menu.EstimateWait):
            return draw(st.none() | st.floats(0, 7200))
        if isinstance(step, menu.BookCallback):
            return draw(st.none() | st.integers(1, 50))
        return None

    return caller, answer


@settings(max_examples=400, deadline=None)
@given(callers_and_answers())
def test_every_call_ends_in_a_queue_or_after_finished_self_service(
    drawn: tuple[menu.Caller, Answer],
) -> None:
    caller, answer = drawn
    journal = menu.Journal()
    steps, ending = talk(menu.hotline_menu(caller, journal), answer)
    assert (ending.route is None) != (ending.finished is None)
    if ending.finished is menu.Finished.OUTAGE_NOTED:
        assert journal.outage_call and journal.announced_outage is not None
    if ending.finished is menu.Finished.CALLBACK_BOOKED:
        assert journal.callback_place is not None
    if ending.finished is menu.Finished.STATUS_READ:
        assert journal.status_lookups >= 1
    if ending.route is not None and ending.route.queue is menu.Queue.EMERGENCY:
        assert ending.route.service is menu.Service.GAS_SMELL
        assert played(steps)[-1] == menu.GAS_SMELL_SAFETY
    # Every prompt it plays is one the utility records or `hotline prompts build` renders.
    assert set(played(steps)) <= set(RECORDING_SCRIPT)


@settings(max_examples=100, deadline=None)
@given(CALLERS)
def test_a_caller_who_presses_nothing_reaches_a_person(caller: menu.Caller) -> None:
    _, ending = talk(menu.hotline_menu(caller, menu.Journal()), keys_then([], wait=None))
    assert ending.route is not None
    assert ending.route.key == "0" and ending.route.service is menu.Service.NONE
