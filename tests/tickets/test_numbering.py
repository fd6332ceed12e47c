"""Ticket numbers read out on the phone (tickets/numbering.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.numbering import (
    PREFIXES,
    format_number,
    is_ticket_number,
    keys_of,
    numbers_from_keys,
    sequence_key,
)
from tickets.types import TicketType


def test_seventh_repair_of_the_day_is_bx_20261122_0007() -> None:
    assert format_number(TicketType.REPAIR, date(2026, 11, 22), 7) == "BX-20261122-0007"


@pytest.mark.parametrize(
    ("ticket_type", "prefix"),
    [
        (TicketType.CONSULTATION, "ZX"),
        (TicketType.REPAIR, "BX"),
        (TicketType.COMPLAINT, "TS"),
        (TicketType.OUTAGE, "TQ"),
    ],
)
def test_each_type_has_its_pinyin_prefix(ticket_type: TicketType, prefix: str) -> None:
    assert PREFIXES[ticket_type] == prefix
    assert format_number(ticket_type, date(2026, 1, 5), 1) == f"{prefix}-20260105-0001"


def test_prefixes_are_distinct_for_every_type() -> None:
    assert set(PREFIXES) == set(TicketType)
    assert len(set(PREFIXES.values())) == len(TicketType)


def test_the_sequence_pads_to_four_digits_and_grows_past_9999() -> None:
    assert format_number(TicketType.COMPLAINT, date(2026, 11, 22), 9999) == "TS-20261122-9999"
    assert format_number(TicketType.COMPLAINT, date(2026, 11, 22), 12345) == "TS-20261122-12345"


@pytest.mark.parametrize("sequence", [0, -1, -7])
def test_the_sequence_starts_at_one(sequence: int) -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        format_number(TicketType.OUTAGE, date(2026, 11, 22), sequence)


def test_one_counter_per_type_and_local_day() -> None:
    day = date(2026, 11, 22)
    assert sequence_key(TicketType.REPAIR, day) == "BX-20261122"
    assert sequence_key(TicketType.REPAIR, day) != sequence_key(TicketType.OUTAGE, day)
    assert sequence_key(TicketType.REPAIR, day) != sequence_key(
        TicketType.REPAIR, date(2026, 11, 23)
    )


@pytest.mark.parametrize(
    "text", ["ZX-20261122-0001", "BX-20261122-0007", "TS-20270101-12345", "TQ-20261231-9999"]
)
def test_is_ticket_number_accepts_what_format_number_writes(text: str) -> None:
    assert is_ticket_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "XX-20261122-0001",
        "bx-20261122-0001",
        "BX-2026112-0001",
        "BX-202611220-0001",
        "BX-20261122-001",
        "BX20261122-0001",
        "BX-20261122-0001-1",
        " BX-20261122-0001",
        "BX-20261122-0001 ",
        "BX-20261122-0001\n",
        "BX-２０２６１１２２-０００７",
        "BX-20261122-٠٠٠٧",
    ],
)
def test_is_ticket_number_rejects_anything_else(text: str) -> None:
    assert not is_ticket_number(text)


@settings(max_examples=200, deadline=None)
@given(
    ticket_type=st.sampled_from(list(TicketType)),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    sequence=st.integers(min_value=1, max_value=10**6),
)
def test_every_formatted_number_is_recognised_and_reads_back(
    ticket_type: TicketType, day: date, sequence: int
) -> None:
    number = format_number(ticket_type, day, sequence)
    assert is_ticket_number(number)
    prefix, digits, counter = number.split("-")
    assert prefix == PREFIXES[ticket_type]
    assert digits == day.strftime("%Y%m%d")
    assert int(counter) == sequence
    assert number.startswith(sequence_key(ticket_type, day) + "-")


def test_a_caller_keying_a_repairs_digits_means_that_number_of_one_of_the_types() -> None:
    assert "BX-20261122-0007" in numbers_from_keys("202611220007")
    assert len(numbers_from_keys("202611220007")) == len(PREFIXES)


@pytest.mark.parametrize(
    "keys", ["", "2026", "20261122", "202611220000", "２０２６１１２２０００７"]
)
def test_keys_that_cannot_be_a_number_mean_none(keys: str) -> None:
    assert numbers_from_keys(keys) == []


@settings(max_examples=300)
@given(
    ticket_type=st.sampled_from(list(TicketType)),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    sequence=st.integers(min_value=1, max_value=999_999),
)
def test_keying_a_numbers_digits_always_finds_it_again(
    ticket_type: TicketType, day: date, sequence: int
) -> None:
    number = format_number(ticket_type, day, sequence)
    assert number in numbers_from_keys(keys_of(number))
