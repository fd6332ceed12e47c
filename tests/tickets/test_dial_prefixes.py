from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tickets.phones import MAINLAND_PREFIXES, may_dial


def test_mainland_mobiles_and_fixed_lines_are_dialled() -> None:
    for number in ("+8613800138000", "+8619912345678", "+861065123456", "+8657187654321"):
        assert may_dial(number, MAINLAND_PREFIXES)


def test_abroad_and_odd_mainland_ranges_are_not() -> None:
    for number in ("+447911123456", "+12025550100", "+85291234567", "+8612345678901"):
        assert not may_dial(number, MAINLAND_PREFIXES)


@given(st.from_regex(r"\+(?!86)[0-9]{8,14}", fullmatch=True))
def test_no_number_outside_china_passes_the_default(number: str) -> None:
    assert not may_dial(number, MAINLAND_PREFIXES)
