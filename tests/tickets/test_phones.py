"""Phone numbers as callers give them (tickets/phones.py)."""

from __future__ import annotations

import pytest

from tickets.phones import PhoneError, mask_phone, normalise_phone


@pytest.mark.parametrize(
    "raw", ["13812345678", "008613812345678", "8613812345678", "013812345678", "+86 138-1234-5678"]
)
def test_every_written_form_of_a_mobile_normalises_to_one(raw: str) -> None:
    assert normalise_phone(raw, "571") == "+8613812345678"


def test_a_bare_local_number_is_a_fixed_line_in_the_utility_area() -> None:
    assert normalise_phone("87654321", "571") == "+8657187654321"
    assert normalise_phone("010-12345678", "571") == "+861012345678"


@pytest.mark.parametrize("bad", ["12345", "", "   ", "abc", "95598"])
def test_what_is_not_a_phone_number_is_refused(bad: str) -> None:
    with pytest.raises(PhoneError):
        normalise_phone(bad, "571")


def test_masking_keeps_the_prefix_and_the_last_four_digits() -> None:
    assert mask_phone("+8613812345678") == "+86138****5678"
    assert mask_phone(None) is None
    assert mask_phone("") == ""
    assert mask_phone("+861234") == "+86****"
